import { TradingClient, type BookSubscription, type OrdersSubscription, type TradesSubscription } from '@trading/client';
import { byId } from './dom.js';
import type { PageConfig } from './page-config.js';
import { devSession, pastedSession, SignInError, type Session } from './session/session.js';
import { MyOrders } from './views/my-orders.js';
import { OrderBookLadder } from './views/order-book-ladder.js';
import { OrderForm } from './views/order-form.js';
import { PriceChart } from './views/price-chart.js';
import { ReplicaStatusView } from './views/replica-status.js';
import { TradesTape } from './views/trades-tape.js';

/** The live trading page: wires the SDK's client to the views. */
async function start(): Promise<void> {
  const config = (await (await fetch('/config.json')).json()) as PageConfig;
  const client = new TradingClient({
    urls: config.gatewayUrls,
    // A page wants a dead replica noticed in seconds, and a quick first retry.
    heartbeatIntervalMs: 5_000,
    pongTimeoutMs: 4_000,
    backoff: { initialDelayMs: 200, maxDelayMs: 5_000 },
    // The gateways replay trades and my order updates missed while reconnecting (docs/protocol.md,
    // "Resume after a reconnect"), so a failover leaves no hole in the tape or in my fills.
    resume: true,
  });

  const ladder = new OrderBookLadder(byId('ladder'));
  const tape = new TradesTape(byId('tape'));
  const chart = new PriceChart(byId('chart'));
  const replicas = new ReplicaStatusView(byId('replicas'));
  const notices = byId('notices');
  const notice = (text: string) => {
    notices.textContent = text;
    notices.dataset.at = String(Date.now());
  };

  // ---- connection status -----------------------------------------------------------------------
  const renderReplicas = () => {
    replicas.render(client.replicas(), client.url);
    document.body.dataset.clientState = client.state;
    document.body.dataset.connectedUrl = client.state === 'open' ? (client.url ?? '') : '';
  };
  client.on('replica', renderReplicas);
  client.on('state', renderReplicas);
  client.on('gap', (gap) => notice(`gap on ${gap.stream}: expected seq ${gap.expected}${gap.received !== undefined ? `, got ${gap.received}` : ''}${gap.resync ? ' (book resynchronising)' : ''}`));
  client.on('error', (err) => notice(`${err.code}: ${err.message}`));
  renderReplicas();

  // ---- market: book, tape, chart for the selected symbol -----------------------------------------
  const symbolSelect = byId<HTMLSelectElement>('symbol');
  for (const s of config.symbols) symbolSelect.append(new Option(s.symbol, s.symbol));
  let market: { book: BookSubscription; trades: TradesSubscription } | undefined;
  const selectSymbol = (symbol: string) => {
    if (market) {
      void market.book.unsubscribe();
      void market.trades.unsubscribe();
    }
    tape.clear();
    chart.clear();
    const spec = config.symbols.find((s) => s.symbol === symbol);
    byId<HTMLInputElement>('price').placeholder = spec ? `e.g. ${example(spec.tick, 100)}` : '';
    byId<HTMLInputElement>('quantity').placeholder = spec ? `e.g. ${example(spec.lot, 1)}` : '';
    const book = client.subscribeBook(symbol);
    book.on('snapshot', (b) => ladder.show(b));
    book.on('update', ({ book: b }) => ladder.show(b));
    book.on('resync', () => ladder.show(book.book));
    book.on('error', (err) => notice(`book ${symbol}: ${err.code}: ${err.message}`));
    const trades = client.subscribeTrades(symbol);
    trades.on('trade', (t) => {
      tape.add(t);
      chart.add(t);
    });
    trades.on('error', (err) => notice(`trades ${symbol}: ${err.code}: ${err.message}`));
    ladder.show(book.book);
    market = { book, trades };
  };
  symbolSelect.addEventListener('change', () => selectSymbol(symbolSelect.value));
  selectSymbol(config.symbols[0].symbol);

  // ---- sign-in, my orders, order entry -----------------------------------------------------------
  let session: Session | undefined;
  let orders: OrdersSubscription | undefined;
  const token = () => session?.getToken();
  const myOrders = new MyOrders(byId('open-orders'), byId('fills'), token, notice);
  const signInStatus = byId('signin-status');
  const signInError = byId('signin-error');
  client.on('authenticated', ({ userId }) => {
    signInStatus.textContent = `Signed in as ${userId}`;
    document.body.dataset.userId = userId;
    // One user per page load: another user's orders must never mix into this one's list.
    byId('signin-inputs').hidden = true;
    byId('signout').hidden = false;
  });
  // Signing out drops the session, its token provider and the authenticated connection in one go.
  byId('signout').addEventListener('click', () => window.location.reload());
  const signIn = async (make: () => Promise<Session> | Session) => {
    signInError.textContent = '';
    try {
      session = await make();
    } catch (err) {
      signInError.textContent = err instanceof SignInError ? `${err.code}: ${err.details ? Object.values(err.details).join('; ') : err.message}` : String(err);
      return;
    }
    signInStatus.textContent = `Signing in as ${session.label}…`;
    const current = session;
    client.setTokenProvider(() => current.getToken());
    if (!orders) {
      orders = client.subscribeOrders('*');
      orders.on('order', (o) => myOrders.update(o));
      orders.on('error', (err) => notice(`my orders: ${err.code}: ${err.message}`));
    }
  };
  const devUser = byId<HTMLInputElement>('dev-user');
  byId('dev-signin').addEventListener('click', () => void signIn(() => devSession(devUser.value.trim())));
  const jwt = byId<HTMLTextAreaElement>('jwt');
  byId('jwt-signin').addEventListener('click', () => void signIn(() => pastedSession(jwt.value)));
  if (!config.devTokens) byId('dev-signin-box').hidden = true;

  new OrderForm({ symbol: () => symbolSelect.value, token, placed: (o) => myOrders.placed(o) });

  await client.connect();
}

/** A value written with a step's decimals, e.g. example("0.01", 100) = "100.00". */
function example(step: string, whole: number): string {
  const dot = step.indexOf('.');
  return dot < 0 ? String(whole) : `${whole}.${'0'.repeat(step.length - dot - 1)}`;
}

start().catch((err: unknown) => {
  const box = document.getElementById('notices');
  if (box) box.textContent = `page failed to start: ${(err as Error).message}`;
  document.body.dataset.startError = String((err as Error).message);
});
