// Build-time guard: uWebSockets.js silently falls back to a slow pure-JS implementation when its
// native binary cannot load (wrong libc, e.g. Alpine/musl, glibc < 2.27, or a Node ABI other than
// the ones it ships). An image that would run the fallback must fail to build instead.
'use strict';
if (process.env.UWS_USE_FALLBACK) {
  console.error('verify-native-uws: UWS_USE_FALLBACK is set; refusing to build an image that uses the JS fallback');
  process.exit(1);
}
const originalWarn = console.warn;
const warnings = [];
console.warn = (...args) => warnings.push(args.join(' '));
let uws;
try {
  uws = require(require.resolve('uWebSockets.js', { paths: [process.cwd()] }));
} finally {
  console.warn = originalWarn;
}
const native = typeof uws.App === 'function' && String(uws.App).includes('[native code]');
if (!native) {
  console.error(
    `verify-native-uws: the native uWebSockets.js binary did not load on ${process.platform}/${process.arch} ` +
      `(Node ABI ${process.versions.modules}, glibc ${process.report?.getReport().header.glibcVersionRuntime ?? 'none'}).\n` +
      warnings.join('\n'),
  );
  process.exit(1);
}
console.log(`verify-native-uws: native uWebSockets.js loaded (Node ABI ${process.versions.modules})`);
