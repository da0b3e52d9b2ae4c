import type { LocalOrderBook, PriceLevel } from '@trading/client';
import { el, frameThrottle } from '../dom.js';

/** Levels shown per side; the e2e test compares exactly this many with the engine snapshot. */
export const LADDER_DEPTH = 10;

/**
 * Asks above (best ask at the bottom), bids below (best bid on top), with a bar per level whose
 * width is the cumulative quantity up to that level relative to the deeper side. Prices and
 * quantities are shown exactly as the engine wrote them; floats only size the bars.
 */
export class OrderBookLadder {
  private book?: LocalOrderBook;
  readonly refresh = frameThrottle(() => this.render());

  constructor(private readonly root: HTMLElement) {}

  show(book: LocalOrderBook | undefined): void {
    this.book = book;
    this.refresh();
  }

  /** Status text while the book is not synced ("resyncing", "awaiting snapshot"). */
  private render(): void {
    const book = this.book;
    const status = book?.status ?? 'awaiting-snapshot';
    this.root.dataset.status = status;
    this.root.dataset.seq = String(book?.seq ?? 0);
    this.root.dataset.symbol = book?.symbol ?? '';
    const asks = book ? book.asks(LADDER_DEPTH) : [];
    const bids = book ? book.bids(LADDER_DEPTH) : [];
    const askCum = cumulative(asks);
    const bidCum = cumulative(bids);
    const max = Math.max(askCum.at(-1) ?? 0, bidCum.at(-1) ?? 0) || 1;
    const rows: HTMLElement[] = [];
    for (let i = asks.length - 1; i >= 0; i--) rows.push(row('ask', asks[i], askCum[i] / max));
    const bestBid = bids[0]?.[0];
    const bestAsk = asks[0]?.[0];
    const spread = bestBid && bestAsk ? (Number(bestAsk) - Number(bestBid)).toFixed(decimals(bestAsk)) : '—';
    rows.push(
      el('tr', { class: 'spread' }, el('td', { colspan: '3' }, status === 'synced' ? `spread ${spread}` : status === 'resyncing' ? 'resynchronising…' : 'waiting for snapshot…')),
    );
    bids.forEach((level, i) => rows.push(row('bid', level, bidCum[i] / max)));
    const body = this.root.querySelector('tbody')!;
    body.replaceChildren(...rows);
  }
}

function row(side: 'bid' | 'ask', [price, quantity]: PriceLevel, share: number): HTMLElement {
  const tr = el('tr', { class: side, 'data-side': side, 'data-price': price, 'data-qty': quantity }, el('td', { class: 'price' }, price), el('td', { class: 'qty' }, quantity), el('td', { class: 'bar-cell' }));
  const bar = el('div', { class: 'depth-bar' });
  bar.style.width = `${Math.max(1, Math.round(share * 100))}%`;
  tr.lastElementChild!.append(bar);
  return tr;
}

function cumulative(levels: PriceLevel[]): number[] {
  let total = 0;
  return levels.map(([, q]) => (total += Number(q)));
}

function decimals(price: string): number {
  const dot = price.indexOf('.');
  return dot < 0 ? 0 : price.length - dot - 1;
}
