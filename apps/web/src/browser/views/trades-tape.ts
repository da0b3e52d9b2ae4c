import type { TradeExecuted } from '@trading/client';
import { el, timeOfDay } from '../dom.js';

const KEEP = 40;

/** The newest public trades first, coloured by the taker's side. */
export class TradesTape {
  constructor(private readonly list: HTMLElement) {}

  clear(): void {
    this.list.replaceChildren();
  }

  add(trade: TradeExecuted): void {
    const item = el(
      'li',
      { class: trade.takerSide, 'data-price': trade.price, 'data-qty': trade.quantity, 'data-seq': String(trade.seq) },
      el('span', { class: 'price' }, trade.price),
      el('span', { class: 'qty' }, trade.quantity),
      el('span', { class: 'time' }, timeOfDay(trade.ts)),
    );
    this.list.prepend(item);
    while (this.list.childElementCount > KEEP) this.list.lastElementChild!.remove();
  }
}
