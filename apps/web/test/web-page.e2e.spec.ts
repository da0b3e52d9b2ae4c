import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { SignJWT } from 'jose';
import { waitFor } from '@trading/testing';
import { launchChromium } from './support/browser.js';
import { ARTIFACTS_DIR, STACK_JWT_SECRET, startStack, type Stack } from './support/stack.js';

/**
 * The live page in headless Chromium against the real platform: nats-server, engine, two gateway
 * replicas and the page server, all real processes. Each step builds on the previous one.
 */
const SYMBOL = 'BTC-USD';

interface LadderView {
  status: string;
  seq: number;
  bids: [string, string][];
  asks: [string, string][];
}

function readLadder(page: Page): Promise<LadderView> {
  return page.evaluate(() => {
    const table = document.getElementById('ladder')!;
    const levels = (side: string) =>
      [...table.querySelectorAll<HTMLElement>(`tr[data-side="${side}"]`)].map((tr) => [tr.dataset.price!, tr.dataset.qty!] as [string, string]);
    // Asks are drawn best (lowest) at the bottom: reverse to compare best-first with the engine.
    return { status: table.dataset.status!, seq: Number(table.dataset.seq), bids: levels('bid'), asks: levels('ask').reverse() };
  });
}

async function openPage(browser: Browser, url: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  page.on('pageerror', (err) => pageErrors.push(err.message));
  await page.goto(url);
  await page.waitForSelector('body[data-client-state="open"]');
  await page.waitForSelector('#ladder[data-status="synced"]');
  return page;
}

async function signIn(page: Page, userId: string): Promise<void> {
  await page.fill('#dev-user', userId);
  await page.click('#dev-signin');
  await page.waitForFunction((u) => document.body.dataset.userId === u, userId);
}

async function submitOrder(page: Page, order: { side: string; orderType?: string; price?: string; quantity: string }): Promise<{ code: string; text: string }> {
  const before = await page.$eval('#order-message', (n) => n.textContent ?? '');
  await page.selectOption('select[name=side]', order.side);
  await page.selectOption('select[name=orderType]', order.orderType ?? 'limit');
  if (order.price !== undefined) await page.fill('#price', order.price);
  await page.fill('#quantity', order.quantity);
  await page.click('#order-form button[type=submit]');
  await page.waitForFunction((b) => {
    const m = document.getElementById('order-message')!;
    return m.textContent !== '' && m.textContent !== b;
  }, before);
  return page.$eval('#order-message', (n) => ({ code: (n as HTMLElement).dataset.code ?? '', text: n.textContent ?? '' }));
}

const pageErrors: string[] = [];

describe('live trading page in headless Chromium', () => {
  let stack: Stack;
  let browser: Browser;
  let alice: Page;

  beforeAll(async () => {
    // Both start at once; each is kept even if the other fails, so afterAll can stop it.
    const launching = launchChromium();
    launching.catch(() => undefined);
    try {
      stack = await startStack({ symbols: `${SYMBOL}:0.01:0.0001,ETH-USD:0.01:0.0001`, gateways: 2 });
    } finally {
      browser = await launching;
    }
  }, 45_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.dispose();
  }, 30_000);

  it('loads, shows both gateway replicas and a synced empty book; switching symbols resubscribes', async () => {
    alice = await openPage(browser, stack.webUrl);
    const replicas = await alice.$$eval('#replicas li', (items) => items.map((li) => (li as HTMLElement).dataset.url));
    expect(replicas.sort()).toEqual(stack.gateways.map((g) => g.wsUrl).sort());
    expect(await alice.$$eval('#replicas li[data-state="open"]', (items) => items.length)).toBe(1);
    const ladder = await readLadder(alice);
    expect(ladder).toEqual({ status: 'synced', seq: 0, bids: [], asks: [] });
    // ETH-USD has a resting order placed over plain NATS: switching shows it, switching back shows BTC-USD again.
    expect((await stack.command('ETH-USD', { type: 'place', userId: 'erin', clientOrderId: 'eth-1', side: 'sell', orderType: 'limit', price: '3000.00', quantity: '2.0000' })).ok).toBe(true);
    await alice.selectOption('#symbol', 'ETH-USD');
    await alice.waitForSelector('#ladder[data-symbol="ETH-USD"] tr[data-side="ask"][data-price="3000.00"][data-qty="2.0000"]');
    expect((await readLadder(alice)).seq).toBe(1);
    await alice.selectOption('#symbol', SYMBOL);
    await alice.waitForSelector(`#ladder[data-symbol="${SYMBOL}"][data-status="synced"]`);
    expect(await readLadder(alice)).toEqual({ status: 'synced', seq: 0, bids: [], asks: [] });
  }, 20_000);

  it('refuses order entry before sign-in, then signs in with a dev token', async () => {
    const refused = await submitOrder(alice, { side: 'buy', price: '100.00', quantity: '1.0000' });
    expect(refused.code).toBe('UNAUTHORIZED');
    await alice.fill('#dev-user', 'not.a.user');
    await alice.click('#dev-signin');
    await alice.waitForFunction(() => document.getElementById('signin-error')!.textContent !== '');
    expect(await alice.textContent('#signin-error')).toMatch(/^VALIDATION_FAILED: must match/);
    await signIn(alice, 'alice');
    expect(await alice.textContent('#signin-status')).toBe('Signed in as alice');
    expect(await alice.textContent('#signin-error')).toBe('');
    // One user per page load: the sign-in inputs give way to a sign-out button.
    expect(await alice.isVisible('#signout')).toBe(true);
    expect(await alice.isVisible('#dev-user')).toBe(false);
  }, 20_000);

  it("shows the engine's VALIDATION_FAILED details next to the bad fields", async () => {
    // A malformed decimal is refused by command validation...
    const malformed = await submitOrder(alice, { side: 'buy', price: '100.00', quantity: 'lots' });
    expect(malformed).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(await alice.textContent('[data-error-for="quantity"]')).toMatch(/quantity must be a decimal string/);
    expect(await alice.getAttribute('#quantity', 'aria-invalid')).toBe('true');
    // ...and a price off the 0.01 tick by the engine's symbol rules, shown at the price field.
    const offTick = await submitOrder(alice, { side: 'buy', price: '100.001', quantity: '1.0000' });
    expect(offTick).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(await alice.textContent('[data-error-for="price"]')).toMatch(/price/);
    expect(await alice.textContent('[data-error-for="quantity"]')).toBe('');
    expect(await alice.getAttribute('#price', 'aria-invalid')).toBe('true');
    // Nothing reached the book.
    expect((await stack.snapshot(SYMBOL)).seq).toBe(0);
  }, 20_000);

  it('places a limit order and sees it in the book and in my open orders', async () => {
    const result = await submitOrder(alice, { side: 'buy', price: '100.00', quantity: '1.0000' });
    expect(result.code).toBe('NEW');
    expect(await alice.textContent('[data-error-for="price"]')).toBe(''); // previous errors cleared
    await alice.waitForSelector('#ladder tr[data-side="bid"][data-price="100.00"][data-qty="1.0000"]');
    await alice.waitForSelector('#open-orders tr[data-status="NEW"]');
    const row = await alice.$eval('#open-orders tbody tr', (tr) => [...tr.querySelectorAll('td')].slice(0, 6).map((td) => td.textContent));
    expect(row).toEqual([SYMBOL, 'buy', '100.00', '1.0000', '0.0000', 'NEW']);
  }, 20_000);

  it("a crossing order from another user's page makes a trade in the tape, chart and alice's fills", async () => {
    const bob = await openPage(browser, stack.webUrl);
    // Bob pastes a JWT instead of using the dev sign-in.
    const now = Math.floor(Date.now() / 1000);
    const jwt = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('bob').setIssuedAt(now).setExpirationTime(now + 600).sign(new TextEncoder().encode(STACK_JWT_SECRET));
    await bob.click('#signin summary');
    await bob.fill('#jwt', jwt);
    await bob.click('#jwt-signin');
    await bob.waitForFunction(() => document.body.dataset.userId === 'bob');
    const result = await submitOrder(bob, { side: 'sell', price: '100.00', quantity: '0.4000' });
    expect(result.code).toBe('FILLED');
    for (const page of [alice, bob]) {
      await page.waitForSelector('#tape li[data-price="100.00"][data-qty="0.4000"]');
      await page.waitForSelector('#ladder tr[data-side="bid"][data-price="100.00"][data-qty="0.6000"]');
      await page.waitForFunction(() => Number(document.getElementById('chart')!.dataset.points) >= 1);
    }
    await alice.waitForSelector('#open-orders tr[data-status="PARTIALLY_FILLED"]');
    const fill = await alice.waitForSelector('#fills li');
    expect(await fill.textContent()).toContain(`buy 0.4000 ${SYMBOL} @ 100.00`);
    expect(await fill.textContent()).toContain('maker');
    // A market order facing an empty side: the engine's refusal is shown under the form.
    const market = await submitOrder(bob, { side: 'sell', orderType: 'market', quantity: '0.0001' });
    expect(market).toMatchObject({ code: 'FILLED' });
    const noAsks = await submitOrder(bob, { side: 'buy', orderType: 'market', quantity: '0.0001' });
    expect(noAsks.code).toBe('INSUFFICIENT_LIQUIDITY');
    await bob.close();
    // A few resting asks so the screenshot shows both sides of the ladder.
    for (const [i, price] of ['101.50', '102.00', '103.25'].entries()) {
      const reply = await stack.command(SYMBOL, { type: 'place', userId: 'carol', clientOrderId: `ask-${i}`, side: 'sell', orderType: 'limit', price, quantity: `${i + 1}.5000` });
      expect(reply.ok).toBe(true);
    }
    await alice.waitForSelector('#ladder tr[data-side="ask"][data-price="103.25"]');
    mkdirSync(ARTIFACTS_DIR, { recursive: true });
    await alice.screenshot({ path: join(ARTIFACTS_DIR, 'web-page.png'), fullPage: true });
  }, 20_000);

  it("recovers on the other replica when its gateway stops: missed events replayed, book equal to the engine's snapshot", async () => {
    const connected = await alice.evaluate(() => document.body.dataset.connectedUrl);
    const victim = stack.gateways.find((g) => g.wsUrl === connected)!;
    const survivor = stack.gateways.find((g) => g !== victim)!;
    expect(victim).toBeDefined();
    // Freeze the survivor first, so the page's reconnect hangs while a trade happens: it can only
    // learn of that trade through resume (fromSeq) once the survivor answers.
    survivor.service.child.kill('SIGSTOP');
    try {
      expect(await victim.service.terminate()).toBe(0);
      await alice.waitForSelector(`#replicas li[data-url="${survivor.wsUrl}"][data-state="connecting"]`);
      const missed = await stack.command(SYMBOL, { type: 'place', userId: 'dave', clientOrderId: 'while-away', side: 'sell', orderType: 'limit', price: '100.00', quantity: '0.1000' });
      expect(missed.order.status).toBe('FILLED');
    } finally {
      survivor.service.child.kill('SIGCONT');
    }

    await alice.waitForFunction((url) => document.body.dataset.connectedUrl === url, survivor.wsUrl, { timeout: 15_000 });
    await alice.waitForSelector(`#replicas li[data-url="${victim.wsUrl}"][data-state="closed"]`);
    // The trade and alice's fill from while the page was away were replayed, not lost.
    await alice.waitForSelector('#tape li[data-price="100.00"][data-qty="0.1000"]', { timeout: 10_000 });
    await alice.waitForSelector('#fills li:first-child >> text=buy 0.1000 BTC-USD @ 100.00', { timeout: 10_000 });
    // Order entry fails over too (the page server skips the stopped replica), and the order stream is back.
    const placed = await submitOrder(alice, { side: 'buy', price: '99.50', quantity: '0.2500' });
    expect(placed.code).toBe('NEW');
    await alice.waitForSelector('#open-orders tr[data-status="NEW"]');
    // The book changes after the failover as well, from a client that is not the page.
    const reply = await stack.command(SYMBOL, { type: 'place', userId: 'dave', clientOrderId: 'after-failover', side: 'sell', orderType: 'limit', price: '101.50', quantity: '0.7500' });
    expect(reply.ok).toBe(true);

    const final = await waitFor(
      async () => {
        const [ladder, engine] = await Promise.all([readLadder(alice), stack.snapshot(SYMBOL, 10)]);
        const same = ladder.status === 'synced' && ladder.seq === engine.seq && JSON.stringify([ladder.bids, ladder.asks]) === JSON.stringify([engine.bids, engine.asks]);
        return same ? { ladder, engine } : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 100, description: 'page book equal to the engine snapshot' },
    );
    expect(final.ladder.bids).toEqual([
      ['100.00', '0.4999'], // 1.0000 - 0.4000 (bob's limit) - 0.0001 (bob's market order) - 0.1000 (dave, while away)
      ['99.50', '0.2500'],
    ]);
    expect(final.ladder.asks[0]).toEqual(['101.50', '2.2500']);
    expect(final.ladder.seq).toBe(final.engine.seq);

    // Cancel from my open orders: the order and its level go away on the page and in the engine.
    const openRow = await alice.$('#open-orders tr[data-status="NEW"]');
    const orderId = await openRow!.getAttribute('data-order-id');
    await openRow!.$eval('button.cancel', (b) => (b as HTMLButtonElement).click());
    await alice.waitForSelector(`#open-orders tr[data-order-id="${orderId}"]`, { state: 'detached' });
    await alice.waitForSelector('#ladder tr[data-side="bid"][data-price="99.50"]', { state: 'detached' });
    const engineAfterCancel = await stack.snapshot(SYMBOL, 10);
    expect(engineAfterCancel.bids).toEqual([['100.00', '0.4999']]);
    expect((await readLadder(alice)).bids).toEqual(engineAfterCancel.bids);
    await alice.screenshot({ path: join(ARTIFACTS_DIR, 'web-page-after-failover.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
    // No gap, gateway error or token problem was reported to the page across the failover.
    expect(await alice.textContent('#notices')).toBe('');
  }, 30_000);
});
