// `node bench/gateway/jwt-verify-cost.mjs`: CPU per HS256 JWT verification with jose, by the
// kind of key handed to it and by how many verifications are in flight, next to WebCrypto's HMAC
// verify alone (what jose's own JavaScript adds) and node:crypto's synchronous HMAC (for scale).
// The gateway verifies one token per /ws/orders upgrade, so this is part of its cost per
// authenticated connection. Every variant runs once unmeasured first (JIT warm-up), then is
// measured; CPU is the whole process's (WebCrypto runs each HMAC as a job on libuv's thread pool,
// and waking those threads is part of the cost). Bounded: 3,000 tokens, a few seconds.
import { SignJWT, jwtVerify } from 'jose';
import { createSecretKey, createHmac, timingSafeEqual } from 'node:crypto';

const COUNT = 3_000;
const secret = 'bench-jwt-verify-cost-secret-0123456789';
const raw = new TextEncoder().encode(secret);
const tokens = [];
for (let i = 0; i < COUNT; i++) tokens.push(await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(`u${i}`).setIssuedAt().setExpirationTime('1h').sign(raw));
const cryptoKey = await crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
const encoder = new TextEncoder();

// The options the gateway passes (token-verifier.ts): algorithm pinned, no clock tolerance, iss/aud unset.
const gatewayOptions = { issuer: undefined, audience: undefined, clockTolerance: 0, algorithms: ['HS256'] };
const variants = {
  'jose, KeyObject (createSecretKey)': ((key) => (t) => jwtVerify(t, key, { algorithms: ['HS256'] }))(createSecretKey(Buffer.from(secret))),
  'jose, Uint8Array secret': (t) => jwtVerify(t, raw, { algorithms: ['HS256'] }),
  'jose, CryptoKey imported once': (t) => jwtVerify(t, cryptoKey, { algorithms: ['HS256'] }),
  'jose, CryptoKey, the gateway options': (t) => jwtVerify(t, cryptoKey, gatewayOptions),
  'crypto.subtle.verify alone (no JWT parsing)': (t) => {
    const dot = t.lastIndexOf('.');
    return crypto.subtle.verify('HMAC', cryptoKey, Buffer.from(t.slice(dot + 1), 'base64url'), encoder.encode(t.slice(0, dot)));
  },
};

async function run(verify, concurrency) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < tokens.length) if (!(await verify(tokens[next++]))) throw new Error('not verified');
    }),
  );
}

async function measure(verify, concurrency) {
  await run(verify, concurrency); // warm-up
  const cpu = process.cpuUsage();
  await run(verify, concurrency);
  const used = process.cpuUsage(cpu);
  return `${((used.user + used.system) / tokens.length).toFixed(1)} us (user ${(used.user / tokens.length).toFixed(1)}, system ${(used.system / tokens.length).toFixed(1)})`;
}

for (const concurrency of [1, 32]) {
  for (const [name, verify] of Object.entries(variants)) console.log(`${name}, ${concurrency} in flight: ${await measure(verify, concurrency)} CPU per verification`);
}
const syncVerify = () => {
  for (const token of tokens) {
    const [header, payload, signature] = token.split('.');
    const mac = createHmac('sha256', secret).update(`${header}.${payload}`).digest();
    if (!timingSafeEqual(mac, Buffer.from(signature, 'base64url'))) throw new Error('bad signature');
    JSON.parse(Buffer.from(payload, 'base64url').toString());
  }
};
syncVerify();
const cpu = process.cpuUsage();
syncVerify();
const used = process.cpuUsage(cpu);
console.log(`node:crypto createHmac + timingSafeEqual + JSON.parse (for scale, not used): ${((used.user + used.system) / tokens.length).toFixed(1)} us CPU per verification`);
console.log(`libuv thread pool: UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE ?? '(default 4)'}`);
