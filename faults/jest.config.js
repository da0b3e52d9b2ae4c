// The fault-injection suite (issue 7): real processes killed and restarted under load. Kept out of
// the default `npm test`; run with `npm run test:faults` (it builds first).
import base from '../jest.config.js';

export default {
  ...base,
  rootDir: '..',
  testMatch: ['<rootDir>/faults/**/*.spec.ts'],
  testTimeout: 120_000,
  // Each spec starts NATS, engines and gateways as processes: one at a time on a shared 2-core machine.
  maxWorkers: 1,
};
