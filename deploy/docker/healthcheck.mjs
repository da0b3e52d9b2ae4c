// Container HEALTHCHECK: asks the service's own admin endpoint (contract section 6) and exits 0 only
// on a 2xx answer. Written in Node because the slim runtime image has no curl or wget.
// Usage: node healthcheck.mjs [/healthz|/readyz]   (port from ADMIN_PORT, default 9090)
const DEFAULT_ADMIN_PORT = 9090;
const TIMEOUT_MS = Number(process.env.HEALTHCHECK_TIMEOUT_MS ?? 2000);

const path = process.argv[2] ?? '/healthz';
const port = Number(process.env.ADMIN_PORT ?? DEFAULT_ADMIN_PORT);

if (!Number.isInteger(port) || port < 1 || port > 65535 || !path.startsWith('/')) {
  console.error(`healthcheck: bad ADMIN_PORT ${JSON.stringify(process.env.ADMIN_PORT)} or path ${JSON.stringify(path)}`);
  process.exit(2);
}

try {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  if (res.ok) process.exit(0);
  console.error(`healthcheck: ${path} answered ${res.status}`);
  process.exit(1);
} catch (err) {
  console.error(`healthcheck: ${path} unreachable on port ${port}: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
}
