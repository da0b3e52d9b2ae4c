/** What the page server tells the page at GET /config.json. */
export interface PageSymbol {
  symbol: string;
  /** Price step, e.g. "0.01": prices are written with its number of decimals. */
  tick: string;
  /** Quantity step, e.g. "0.0001". */
  lot: string;
}

export interface PageConfig {
  /** Gateway `/ws` endpoints, one per replica. */
  gatewayUrls: string[];
  symbols: PageSymbol[];
  /** True when POST /api/dev-token is on (dev stack only). */
  devTokens: boolean;
}
