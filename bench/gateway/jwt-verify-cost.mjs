// `node bench/gateway/jwt-verify-cost.mjs`: CPU per HS256 JWT verification with jose, by the
// kind of key handed to it, and with node:crypto's synchronous HMAC for scale. The gateway's
// connection rate is bounded by this cost (one verification per /ws/orders upgrade), so it is
// worth knowing which key form is cheap. Bounded: 3,000 tokens per variant.
import { SignJWT, jwtVerify } from 'jose';
import { createSecretKey, createHmac, timingSafeEqual } from 'node:crypto';

const COUNT = 3_000;
const secret = 'bench-jwt-verify-cost-secret-0123456789';
const raw = new TextEncoder().encode(secret);
const tokens = [];
for (let i = 0; i < COUNT; i++) tokens.push(await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(`u${i}`).setExpirationTime('1h').sign(raw));

const keys = {
  'KeyObject (createSecretKey)': createSecretKey(Buffer.from(secret)),
  'Uint8Array secret': raw,
  'CryptoKey (subtle.importKey once)': await crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']),
};

async function measure(key, concurrency) {
  const cpu = process.cpuUsage();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < tokens.length) await jwtVerify(tokens[next++], key, { algorithms: ['HS256'] });
    }),
  );
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / tokens.length;
}

for (const concurrency of [1, 32]) {
  for (const [name, key] of Object.entries(keys)) {
    console.log(`jose jwtVerify, ${name}, ${concurrency} in flight: ${(await measure(key, concurrency)).toFixed(1)} us CPU per verification`);
  }
}
const cpu = process.cpuUsage();
for (const token of tokens) {
  const [header, payload, signature] = token.split('.');
  const mac = createHmac('sha256', secret).update(`${header}.${payload}`).digest();
  if (!timingSafeEqual(mac, Buffer.from(signature, 'base64url'))) throw new Error('bad signature');
  JSON.parse(Buffer.from(payload, 'base64url').toString());
}
const used = process.cpuUsage(cpu);
console.log(`node:crypto createHmac + timingSafeEqual + JSON.parse (for scale): ${((used.user + used.system) / tokens.length).toFixed(1)} us CPU per verification`);
