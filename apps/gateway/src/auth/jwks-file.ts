import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { createLocalJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';

/** A JWKS file that cannot be used; the message says why without echoing key material. */
export class JwksFileError extends Error {
  readonly code = 'INVALID_JWKS';
  constructor(message: string) {
    super(message);
    this.name = 'JwksFileError';
  }
}

export type JwksReload = { ok: true; kids: string[] } | { ok: false; error: JwksFileError };

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'];

/** Parses and checks a JWKS document: public RSA/EC keys only, each with a distinct `kid`. */
export function parseJwks(text: string): { keySet: JWTVerifyGetKey; kids: string[] } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new JwksFileError('is not JSON');
  }
  const keys = (doc as JSONWebKeySet | null)?.keys;
  if (!Array.isArray(keys) || keys.length === 0) throw new JwksFileError('must be {"keys":[...]} with at least one key');
  const kids: string[] = [];
  for (const [i, key] of keys.entries()) {
    if (typeof key !== 'object' || key === null) throw new JwksFileError(`keys[${i}] is not an object`);
    // The gateway only verifies: a private or symmetric key here would be a secret on every replica.
    if (PRIVATE_MEMBERS.some((m) => m in key)) throw new JwksFileError(`keys[${i}] holds private or symmetric key material; publish public keys only`);
    if (key.kty !== 'RSA' && key.kty !== 'EC') throw new JwksFileError(`keys[${i}].kty must be RSA or EC`);
    // Tokens name their key by kid; without distinct kids, rotation (old and new key side by side) is ambiguous.
    if (typeof key.kid !== 'string' || key.kid === '') throw new JwksFileError(`keys[${i}] has no kid`);
    if (kids.includes(key.kid)) throw new JwksFileError(`kid ${JSON.stringify(key.kid)} appears twice`);
    kids.push(key.kid);
  }
  try {
    return { keySet: createLocalJWKSet({ keys }), kids };
  } catch (err) {
    throw new JwksFileError(`is not a usable key set: ${(err as Error).message}`);
  }
}

/**
 * The current key set of `JWT_JWKS_FILE`. Reloaded when the file changes (polled, so a Kubernetes
 * Secret's symlink swap is seen too) or on demand (SIGHUP); a new file that does not parse keeps the
 * previous keys, so a bad edit never locks every user out.
 */
export class JwksFile {
  private keySet: JWTVerifyGetKey;
  private kidsNow: string[];
  private watching = false;

  private constructor(
    readonly path: string,
    loaded: { keySet: JWTVerifyGetKey; kids: string[] },
    private readonly onReload: (result: JwksReload) => void,
  ) {
    this.keySet = loaded.keySet;
    this.kidsNow = loaded.kids;
  }

  /** Loads the file now; throws JwksFileError when it cannot be used. */
  static load(path: string, onReload: (result: JwksReload) => void = () => undefined): JwksFile {
    return new JwksFile(path, JwksFile.read(path), onReload);
  }

  private static read(path: string): { keySet: JWTVerifyGetKey; kids: string[] } {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new JwksFileError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    return parseJwks(text);
  }

  get kids(): readonly string[] {
    return this.kidsNow;
  }

  /** What jose's jwtVerify takes: resolves the key for a token's header from the current set. */
  readonly getKey: JWTVerifyGetKey = (header, token) => this.keySet(header, token);

  reload(): JwksReload {
    let result: JwksReload;
    try {
      const loaded = JwksFile.read(this.path);
      this.keySet = loaded.keySet;
      this.kidsNow = loaded.kids;
      result = { ok: true, kids: loaded.kids };
    } catch (err) {
      result = { ok: false, error: err instanceof JwksFileError ? err : new JwksFileError(String(err)) };
    }
    this.onReload(result);
    return result;
  }

  watch(intervalMs = 1000): void {
    if (this.watching) return;
    this.watching = true;
    watchFile(this.path, { interval: intervalMs, persistent: false }, (now, before) => {
      if (now.mtimeMs !== before.mtimeMs || now.size !== before.size || now.ino !== before.ino) this.reload();
    });
  }

  close(): void {
    if (!this.watching) return;
    this.watching = false;
    unwatchFile(this.path);
  }
}
