/** The WebSocket endpoints of contract section 5. */
export type Endpoint = 'orders' | 'trades' | 'markets' | 'manual';
export const ENDPOINTS: readonly Endpoint[] = ['orders', 'trades', 'markets', 'manual'];
