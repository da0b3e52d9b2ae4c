import { describe, expect, it, jest } from '@jest/globals';
import type { TemplatedApp } from 'uWebSockets.js';
import { GatewayMetrics } from '../admin/gateway-metrics.js';
import { TopicPublisher } from './topic-publisher.js';

/** Records what reaches uWS's publish; subscriber counts per topic are set by the test. */
function fakeApp(subscribers: Record<string, number>) {
  const published: { topic: string; frame: string }[] = [];
  const app = {
    numSubscribers: (topic: string) => subscribers[topic] ?? 0,
    publish: (topic: string, frame: Uint8Array | string) => {
      published.push({ topic, frame: typeof frame === 'string' ? frame : Buffer.from(frame).toString() });
      return true;
    },
  } as unknown as TemplatedApp;
  return { app, published };
}

const bytes = (s: string) => new Uint8Array(Buffer.from(s));

describe('TopicPublisher', () => {
  it('publishes at once without a write delay', () => {
    const { app, published } = fakeApp({ a: 2 });
    const publisher = new TopicPublisher(app, new GatewayMetrics(), () => undefined);
    publisher.publish('a', bytes('1'), performance.now());
    publisher.publish('none', bytes('x'), performance.now());
    expect(published).toEqual([{ topic: 'a', frame: '1' }]);
    expect(publisher.queued).toBe(0);
  });

  it('with a write delay, queues in arrival order across topics and publishes it all when the delay is up', async () => {
    const { app, published } = fakeApp({ a: 1, b: 3 });
    const metrics = new GatewayMetrics();
    const sent: number[] = [];
    const publisher = new TopicPublisher(app, metrics, (n) => sent.push(n), { delayMs: 20, maxMessages: 100 });
    const started = performance.now();
    publisher.publish('a', bytes('1'), started);
    publisher.publish('b', bytes('2'), started);
    publisher.publish('none', bytes('dropped'), started);
    publisher.publish('a', '3', started);
    expect(published).toEqual([]);
    expect(publisher.queued).toBe(3);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(published).toEqual([
      { topic: 'a', frame: '1' },
      { topic: 'b', frame: '2' },
      { topic: 'a', frame: '3' },
    ]);
    expect(publisher.queued).toBe(0);
    expect(sent).toEqual([1, 1, 1]);
    expect((await metrics.messagesOut.get()).values[0].value).toBe(5);
    // The histogram still measures from the NATS callback: every observation includes the delay.
    const histogram = await metrics.natsToSocketSeconds.get();
    const sum = histogram.values.find((v) => v.metricName === 'gateway_nats_to_socket_seconds_sum')!.value;
    const count = histogram.values.find((v) => v.metricName === 'gateway_nats_to_socket_seconds_count')!.value;
    expect(count).toBe(3);
    expect(sum / count).toBeGreaterThanOrEqual(0.019);
  });

  it('flush() publishes the queue synchronously and cancels the timer', async () => {
    const { app, published } = fakeApp({ a: 1 });
    const publisher = new TopicPublisher(app, new GatewayMetrics(), () => undefined, { delayMs: 30, maxMessages: 100 });
    publisher.publish('a', bytes('1'), performance.now());
    publisher.flush();
    expect(published.map((p) => p.frame)).toEqual(['1']);
    publisher.flush(); // nothing queued: no-op
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(published.map((p) => p.frame)).toEqual(['1']);
  });

  it('publishes early once maxMessages are queued', () => {
    const { app, published } = fakeApp({ a: 1 });
    const publisher = new TopicPublisher(app, new GatewayMetrics(), () => undefined, { delayMs: 1000, maxMessages: 3 });
    for (const n of ['1', '2']) publisher.publish('a', bytes(n), performance.now());
    expect(published).toEqual([]);
    publisher.publish('a', bytes('3'), performance.now());
    expect(published.map((p) => p.frame)).toEqual(['1', '2', '3']);
    publisher.close();
  });

  it('keeps its own copy of the NATS bytes (the read buffer may be reused)', () => {
    const { app, published } = fakeApp({ a: 1 });
    const publisher = new TopicPublisher(app, new GatewayMetrics(), () => undefined, { delayMs: 1000, maxMessages: 100 });
    const buffer = bytes('abc');
    publisher.publish('a', buffer, performance.now());
    buffer.fill(0x7a);
    publisher.flush();
    expect(published.map((p) => p.frame)).toEqual(['abc']);
  });

  it('a flush re-entered from inside a publish (slow-consumer close) publishes nothing twice and keeps the order', () => {
    const { app, published } = fakeApp({ a: 1 });
    let publisher!: TopicPublisher;
    const onBytesSent = jest.fn(() => {
      // The first publish makes the send-buffer guard close a socket, which flushes.
      if (onBytesSent.mock.calls.length === 1) publisher.flush();
    });
    publisher = new TopicPublisher(app, new GatewayMetrics(), onBytesSent, { delayMs: 1000, maxMessages: 100 });
    for (const n of ['1', '2', '3']) publisher.publish('a', bytes(n), performance.now());
    publisher.flush();
    expect(published.map((p) => p.frame)).toEqual(['1', '2', '3']);
    expect(publisher.queued).toBe(0);
  });

  it('remembers the topics published in this loop turn until setImmediate (uWS writes them at the end of the iteration)', async () => {
    const { app } = fakeApp({ a: 1 });
    const publisher = new TopicPublisher(app, new GatewayMetrics(), () => undefined);
    publisher.publish('a', bytes('1'), performance.now());
    expect(publisher.publishedThisTurn('a')).toBe(true);
    expect(publisher.publishedThisTurn('b')).toBe(false);
    await new Promise((resolve) => setImmediate(resolve));
    expect(publisher.publishedThisTurn('a')).toBe(false);
  });
});
