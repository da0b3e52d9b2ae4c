import type { HttpRequest } from 'uWebSockets.js';

/** CORS for the order-entry API: only configured origins get headers; an empty list means no CORS at all. */
export class CorsPolicy {
  private readonly any: boolean;
  private readonly origins: Set<string>;

  constructor(origins: string[]) {
    this.any = origins.includes('*');
    this.origins = new Set(origins);
  }

  headersFor(origin: string): Record<string, string> {
    if (!origin || (!this.any && !this.origins.has(origin))) return {};
    return { 'Access-Control-Allow-Origin': this.any ? '*' : origin, Vary: 'Origin' };
  }

  preflightHeaders(req: HttpRequest): Record<string, string> {
    const base = this.headersFor(req.getHeader('origin'));
    if (!base['Access-Control-Allow-Origin']) return {};
    return {
      ...base,
      'Access-Control-Allow-Methods': 'POST, DELETE, OPTIONS',
      'Access-Control-Allow-Headers': 'Authorization, Content-Type',
      'Access-Control-Max-Age': '600',
    };
  }
}
