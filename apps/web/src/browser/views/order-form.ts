import { OrderEntryError, placeOrder, type OrderUpdate, type PlaceOrderRequest } from '@trading/client';
import { byId } from '../dom.js';

/** Form fields that can carry an error message next to them (names as in the engine's `details`). */
const FIELDS = ['side', 'orderType', 'price', 'quantity', 'timeInForce'] as const;

export interface OrderFormDeps {
  symbol(): string;
  /** undefined when nobody is signed in. */
  token(): Promise<string> | undefined;
  /** Called with the engine's reply order (the stream brings later updates). */
  placed(order: OrderUpdate): void;
}

/**
 * Limit/market, buy/sell order entry. The page does not pre-validate: whatever is typed goes to the
 * gateway as typed, and a refusal's `details` (VALIDATION_FAILED names each bad field) is shown next
 * to the field it names; other refusals (e.g. INSUFFICIENT_LIQUIDITY) under the form.
 */
export class OrderForm {
  private readonly form = byId<HTMLFormElement>('order-form');
  private readonly message = byId('order-message');
  private sequence = 0;

  constructor(private readonly deps: OrderFormDeps) {
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.submit();
    });
    const type = this.input('orderType') as HTMLSelectElement;
    type.addEventListener('change', () => this.syncPriceField());
    this.syncPriceField();
  }

  private input(name: string): HTMLInputElement | HTMLSelectElement {
    return this.form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement;
  }

  /** A market order has no price: the field is disabled and not sent. */
  private syncPriceField(): void {
    (this.input('price') as HTMLInputElement).disabled = this.input('orderType').value === 'market';
  }

  private clearErrors(): void {
    for (const node of this.form.querySelectorAll<HTMLElement>('[data-error-for]')) node.textContent = '';
    for (const field of FIELDS) this.input(field).removeAttribute('aria-invalid');
    this.setMessage('', '');
  }

  private setMessage(text: string, kind: 'ok' | 'error' | '', code = ''): void {
    this.message.textContent = text;
    this.message.className = kind;
    this.message.dataset.code = code;
  }

  private async submit(): Promise<void> {
    this.clearErrors();
    const tokenPromise = this.deps.token();
    if (!tokenPromise) {
      this.setMessage('Sign in first: order entry needs a token.', 'error', 'UNAUTHORIZED');
      return;
    }
    const orderType = this.input('orderType').value as PlaceOrderRequest['orderType'];
    const request: PlaceOrderRequest = {
      symbol: this.deps.symbol(),
      clientOrderId: `web-${Date.now().toString(36)}-${(this.sequence++).toString(36)}`,
      side: this.input('side').value as PlaceOrderRequest['side'],
      orderType,
      quantity: this.input('quantity').value.trim(),
    };
    // "default" leaves it to the engine (GTC; a market order never rests whatever its timeInForce).
    const timeInForce = this.input('timeInForce').value;
    if (timeInForce !== '') request.timeInForce = timeInForce as PlaceOrderRequest['timeInForce'];
    if (orderType !== 'market') request.price = this.input('price').value.trim();
    const button = this.form.querySelector('button[type=submit]') as HTMLButtonElement;
    button.disabled = true;
    try {
      const { order } = await placeOrder(window.location.origin, await tokenPromise, request);
      this.deps.placed(order as OrderUpdate);
      const filled = order.filledQuantity && Number(order.filledQuantity) > 0 ? `, filled ${order.filledQuantity}` : '';
      this.setMessage(`${order.status}: ${order.side} ${order.quantity} ${order.symbol}${order.price ? ` @ ${order.price}` : ''}${filled} (${order.orderId})`, 'ok', order.status);
    } catch (err) {
      this.showError(err);
    } finally {
      button.disabled = false;
    }
  }

  private showError(err: unknown): void {
    if (!(err instanceof OrderEntryError)) {
      this.setMessage(`Order not sent: ${(err as Error).message}`, 'error', 'ERROR');
      return;
    }
    const unplaced: string[] = [];
    for (const [field, text] of Object.entries(err.details ?? {})) {
      const slot = this.form.querySelector<HTMLElement>(`[data-error-for="${CSS.escape(field)}"]`);
      if (slot) {
        slot.textContent = text;
        this.input(field)?.setAttribute('aria-invalid', 'true');
      } else {
        unplaced.push(`${field}: ${text}`);
      }
    }
    this.setMessage(`${err.code}: ${err.message}${unplaced.length ? ` (${unplaced.join('; ')})` : ''}`, 'error', err.code);
  }
}
