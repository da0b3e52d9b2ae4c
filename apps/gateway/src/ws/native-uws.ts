import uWS from 'uWebSockets.js';

export class UwsFallbackError extends Error {
  readonly code = 'UWS_NOT_NATIVE';
  constructor() {
    super(
      'uWebSockets.js is running its pure-JS fallback (no native binary for this Node.js build or UWS_USE_FALLBACK set); ' +
        'the gateway refuses to start on it because its limits and performance depend on the native server',
    );
  }
}

/** The package silently falls back to a `ws`-based shim when its native binary does not load. */
export function assertNativeUws(): typeof uWS {
  if (!String(uWS.App).includes('[native code]')) throw new UwsFallbackError();
  return uWS;
}
