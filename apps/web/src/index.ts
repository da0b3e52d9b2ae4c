export { loadWebConfig, httpBaseOf, ConfigError, WEB_ENV_VARS, type WebConfig } from './config/web-config.js';
export { startWebServer, type RunningWebServer } from './http/web-server.js';
export { bundleBrowser, BundleError, BROWSER_ENTRY, type BrowserBundle } from './bundle/bundle-browser.js';
export { mintDevToken, type DevToken } from './http/dev-token.js';
export { HttpError, WebErrorCode } from './http/http-errors.js';
export { OrderProxy } from './http/order-proxy.js';
export type { PageConfig, PageSymbol } from './browser/page-config.js';
export { startDevPage, devWebPort, type DevPageOptions } from './dev-stack/dev-page.js';
