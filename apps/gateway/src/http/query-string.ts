/** Malformed query or path component (bad percent-encoding): answered with HTTP 400. */
export class MalformedRequestError extends Error {
  readonly code = 'BAD_REQUEST';
}

export function decodeComponent(value: string, what: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    throw new MalformedRequestError(`${what} has invalid percent-encoding`);
  }
}

/** Parses a raw query string strictly; the last value of a repeated key wins. */
export function parseQuery(raw: string): Map<string, string> {
  const out = new Map<string, string>();
  if (!raw) return out;
  for (const part of raw.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const key = decodeComponent(eq < 0 ? part : part.slice(0, eq), 'query parameter name');
    const value = eq < 0 ? '' : decodeComponent(part.slice(eq + 1), `query parameter ${key}`);
    out.set(key, value);
  }
  return out;
}
