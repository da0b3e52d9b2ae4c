import { decodeJwtExp, TradingClientError } from '@trading/client';

/** Errors of signing in (bad user id, dev tokens off, server unreachable). */
export class SignInError extends TradingClientError {
  constructor(
    code: string,
    message: string,
    readonly details?: Record<string, string>,
  ) {
    super(code, message);
  }
}

export interface Session {
  /** Display name until the gateway confirms the user with `authenticated`. */
  label: string;
  /** Token provider handed to the TradingClient and used for order entry. */
  getToken(): Promise<string>;
}

/** A session whose tokens (exp in seconds, as JWTs carry it) come from the page server's dev endpoint; a fresh one each time it is asked. */
export async function devSession(userId: string): Promise<Session> {
  const fetchToken = async (): Promise<string> => {
    let res: Response;
    try {
      res = await fetch('/api/dev-token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId }) });
    } catch (err) {
      throw new SignInError('NETWORK_ERROR', `page server unreachable: ${(err as Error).message}`);
    }
    const body = (await res.json().catch(() => undefined)) as { token?: string; error?: { code: string; message: string; details?: Record<string, string> } } | undefined;
    if (!res.ok || typeof body?.token !== 'string') {
      throw new SignInError(body?.error?.code ?? `HTTP_${res.status}`, body?.error?.message ?? `HTTP ${res.status}`, body?.error?.details);
    }
    return body.token;
  };
  let cached = await fetchToken();
  return {
    label: userId,
    async getToken() {
      // Reuse the token while it has more than a minute left; the SDK asks again before expiry.
      const exp = safeExp(cached);
      if (exp !== undefined && exp * 1000 - Date.now() < 60_000) cached = await fetchToken();
      return cached;
    },
  };
}

/** A session with a JWT pasted by the user (no refresh: when it expires, paste a new one). */
export function pastedSession(token: string): Session {
  const trimmed = token.trim();
  if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(trimmed)) throw new SignInError('INVALID_TOKEN', 'that is not a JWT (three base64url parts separated by dots)');
  let sub = 'token';
  try {
    const payload = JSON.parse(atob(trimmed.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))) as { sub?: unknown };
    if (typeof payload.sub === 'string') sub = payload.sub;
  } catch {
    throw new SignInError('INVALID_TOKEN', 'the JWT payload is not readable JSON');
  }
  return { label: sub, getToken: async () => trimmed };
}

function safeExp(token: string): number | undefined {
  try {
    return decodeJwtExp(token);
  } catch {
    return undefined;
  }
}
