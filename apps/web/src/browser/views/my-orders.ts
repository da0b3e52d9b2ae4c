import { cancelOrder, OrderEntryError, type OrderUpdate } from '@trading/client';
import { el, frameThrottle, timeOfDay } from '../dom.js';

const OPEN = new Set(['NEW', 'PARTIALLY_FILLED']);
const KEEP_FILLS = 30;

type KnownOrder = Pick<OrderUpdate, 'orderId' | 'symbol' | 'side' | 'orderType' | 'quantity' | 'filledQuantity' | 'status'> & { price?: string; seq?: number };

/** The signed-in user's open orders (with cancel) and fills, from the private order stream. */
export class MyOrders {
  private readonly orders = new Map<string, KnownOrder>();
  private readonly refresh = frameThrottle(() => this.render());

  constructor(
    private readonly openTable: HTMLElement,
    private readonly fillsList: HTMLElement,
    private readonly token: () => Promise<string> | undefined,
    private readonly report: (text: string) => void,
  ) {}

  /** An event from the stream: always the newest state of that order. */
  update(event: OrderUpdate): void {
    const known = this.orders.get(event.orderId);
    if (known?.seq !== undefined && known.symbol === event.symbol && known.seq >= event.seq) return;
    this.orders.set(event.orderId, event);
    if (event.lastFill) this.addFill(event);
    this.refresh();
  }

  /** The order-entry reply: only shown if the stream has not told us about that order yet. */
  placed(order: OrderUpdate): void {
    if (this.orders.has(order.orderId)) return;
    this.orders.set(order.orderId, { ...order, seq: undefined });
    this.refresh();
  }

  private addFill(event: OrderUpdate): void {
    const fill = event.lastFill!;
    const item = el(
      'li',
      { class: event.side, 'data-trade-id': fill.tradeId, 'data-order-id': event.orderId },
      el('span', {}, `${event.side} ${fill.quantity} ${event.symbol} @ ${fill.price}`),
      el('span', { class: 'liquidity' }, fill.liquidity),
      el('span', { class: 'time' }, timeOfDay(event.ts)),
    );
    this.fillsList.prepend(item);
    while (this.fillsList.childElementCount > KEEP_FILLS) this.fillsList.lastElementChild!.remove();
  }

  private render(): void {
    const open = [...this.orders.values()].filter((o) => OPEN.has(o.status));
    for (const [id, order] of this.orders) if (!OPEN.has(order.status) && this.orders.size > 200) this.orders.delete(id);
    const body = this.openTable.querySelector('tbody')!;
    body.replaceChildren(
      ...open.map((o) => {
        const cancel = el('button', { type: 'button', class: 'cancel' }, 'cancel');
        cancel.addEventListener('click', () => void this.cancel(o, cancel));
        return el(
          'tr',
          { 'data-order-id': o.orderId, 'data-status': o.status, class: o.side },
          el('td', {}, o.symbol),
          el('td', {}, o.side),
          el('td', {}, o.price ?? 'market'),
          el('td', {}, o.quantity),
          el('td', {}, o.filledQuantity),
          el('td', {}, o.status),
          el('td', {}, cancel),
        );
      }),
    );
    this.openTable.dataset.count = String(open.length);
  }

  private async cancel(order: KnownOrder, button: HTMLButtonElement): Promise<void> {
    const token = this.token();
    if (!token) return;
    button.disabled = true;
    try {
      await cancelOrder(window.location.origin, await token, { symbol: order.symbol, orderId: order.orderId });
    } catch (err) {
      button.disabled = false;
      this.report(err instanceof OrderEntryError ? `cancel ${order.orderId}: ${err.code}: ${err.message}` : `cancel failed: ${(err as Error).message}`);
    }
  }
}
