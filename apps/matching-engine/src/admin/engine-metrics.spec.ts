import { describe, expect, it } from '@jest/globals';
import { EngineMetrics } from './engine-metrics.js';

/** The hot-path metrics (counted as plain numbers) come out of /metrics in prom-client's format. */
describe('EngineMetrics hot-path metrics', () => {
  it('renders the reply latency histogram cumulatively with +Inf, _sum and _count', async () => {
    const metrics = new EngineMetrics();
    for (const seconds of [0.00005, 0.0003, 0.0003, 0.003, 2]) metrics.replyLatency.observe(seconds);
    const text = await metrics.registry.metrics();
    expect(text).toContain('# TYPE engine_reply_latency_seconds histogram');
    expect(text).toContain('engine_reply_latency_seconds_bucket{le="0.0001"} 1\n');
    expect(text).toContain('engine_reply_latency_seconds_bucket{le="0.00025"} 1\n');
    expect(text).toContain('engine_reply_latency_seconds_bucket{le="0.0005"} 3\n');
    expect(text).toContain('engine_reply_latency_seconds_bucket{le="0.005"} 4\n');
    expect(text).toContain('engine_reply_latency_seconds_bucket{le="1"} 4\n');
    expect(text).toContain('engine_reply_latency_seconds_bucket{le="+Inf"} 5\n');
    expect(text).toContain('engine_reply_latency_seconds_count 5');
    const sum = Number(/engine_reply_latency_seconds_sum (\S+)/.exec(text)?.[1]);
    expect(sum).toBeCloseTo(2.00365, 9);
  });

  it('adds the commands counted since the last scrape to engine_commands_total, once', async () => {
    const metrics = new EngineMetrics();
    metrics.countCommand('accepted');
    metrics.countCommand('accepted');
    metrics.countCommand('invalid');
    let text = await metrics.registry.metrics();
    expect(text).toContain('engine_commands_total{result="accepted"} 2\n');
    expect(text).toContain('engine_commands_total{result="invalid"} 1\n');
    expect(text).not.toContain('result="refused"');
    metrics.countCommand('refused');
    text = await metrics.registry.metrics();
    expect(text).toContain('engine_commands_total{result="accepted"} 2\n');
    expect(text).toContain('engine_commands_total{result="refused"} 1\n');
  });

  it('reads engine_resend_buffer_bytes from its source at each scrape', async () => {
    const metrics = new EngineMetrics();
    let kept = 0;
    metrics.observe({ stats: () => [], journalLag: () => 0, resendBytes: () => kept });
    expect(await metrics.registry.metrics()).toContain('engine_resend_buffer_bytes 0\n');
    kept = 123_456;
    expect(await metrics.registry.metrics()).toContain('engine_resend_buffer_bytes 123456\n');
  });
});
