import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Every gateway metric, on a registry of its own so several in-process gateways (tests) do not
 * collide. Hot-path counters are incremented once per NATS message, never per recipient.
 */
export class GatewayMetrics {
  readonly registry = new Registry();

  readonly connections = new Gauge({ name: 'gateway_connections', help: 'Open WebSocket connections by endpoint', labelNames: ['endpoint'] as const, registers: [this.registry] });
  readonly connectionsOpened = new Counter({ name: 'gateway_connections_opened_total', help: 'WebSocket connections accepted', registers: [this.registry] });
  readonly subscriptions = new Gauge({ name: 'gateway_subscriptions', help: 'Client subscriptions (channel x symbol) held by open connections', registers: [this.registry] });
  readonly natsSubjects = new Gauge({ name: 'gateway_nats_subjects', help: 'NATS subjects this replica is subscribed to', registers: [this.registry] });
  readonly messagesIn = new Counter({ name: 'gateway_nats_messages_in_total', help: 'Messages received from NATS by kind', labelNames: ['kind'] as const, registers: [this.registry] });
  readonly bytesIn = new Counter({ name: 'gateway_nats_bytes_in_total', help: 'Payload bytes received from NATS', registers: [this.registry] });
  readonly messagesOut = new Counter({ name: 'gateway_messages_out_total', help: 'Frames delivered to client sockets (one per recipient)', registers: [this.registry] });
  readonly bytesOut = new Counter({ name: 'gateway_bytes_out_total', help: 'Payload bytes delivered to client sockets (summed over recipients)', registers: [this.registry] });
  readonly clientFramesIn = new Counter({ name: 'gateway_client_frames_in_total', help: 'Frames received from clients', registers: [this.registry] });
  readonly slowConsumerCloses = new Counter({ name: 'gateway_slow_consumer_closes_total', help: 'Connections closed with 4008 because their send buffer overflowed', registers: [this.registry] });
  readonly rateLimitCloses = new Counter({ name: 'gateway_rate_limit_closes_total', help: 'Connections closed with 1008 for sustained flooding', registers: [this.registry] });
  readonly frameTooLargeCloses = new Counter({ name: 'gateway_frame_too_large_closes_total', help: 'Connections closed with 1009', registers: [this.registry] });
  readonly tokenExpiryCloses = new Counter({ name: 'gateway_token_expiry_total', help: 'Connections whose token expired while open', registers: [this.registry] });
  readonly authFailures = new Counter({ name: 'gateway_auth_failures_total', help: 'Refused tokens by reason', labelNames: ['reason'] as const, registers: [this.registry] });
  readonly clientErrors = new Counter({ name: 'gateway_client_errors_total', help: 'Error frames sent to clients by code', labelNames: ['code'] as const, registers: [this.registry] });
  readonly upgradeRefusals = new Counter({ name: 'gateway_upgrade_refusals_total', help: 'Refused WebSocket upgrades by HTTP status', labelNames: ['status'] as const, registers: [this.registry] });
  readonly bookResyncs = new Counter({ name: 'gateway_book_resyncs_total', help: 'Book resynchronisations by reason', labelNames: ['reason'] as const, registers: [this.registry] });
  readonly bookSnapshotRefusals = new Counter({ name: 'gateway_book_snapshot_refusals_total', help: 'Book snapshot requests the engine refused (e.g. SNAPSHOT_TOO_LARGE), by code', labelNames: ['code'] as const, registers: [this.registry] });
  readonly httpRequests = new Counter({ name: 'gateway_http_requests_total', help: 'Order-entry HTTP requests by status', labelNames: ['status'] as const, registers: [this.registry] });
  readonly resumes = new Counter({ name: 'gateway_resumes_total', help: 'Resuming subscriptions by result (replayed, up_to_date, unavailable)', labelNames: ['result'] as const, registers: [this.registry] });
  readonly resumeEvents = new Counter({ name: 'gateway_resume_events_total', help: 'Events replayed from JetStream to resuming clients', registers: [this.registry] });
  readonly catchUpEvents = new Counter({ name: 'gateway_catchup_events_total', help: 'Events missed during a NATS disconnect and sent from JetStream after the reconnect', registers: [this.registry] });
  readonly gapRepairEvents = new Counter({ name: 'gateway_gap_repair_events_total', help: 'Events missing behind a live seq jump and sent from JetStream by a gap repair', registers: [this.registry] });
  readonly gapRepairs = new Counter({ name: 'gateway_gap_repairs_total', help: 'Live seq jumps on a pass-through subject, by result: repaired from the retention stream, or forwarded as a gap', labelNames: ['result'] as const, registers: [this.registry] });
  readonly natsConnected = new Gauge({ name: 'gateway_nats_connected', help: '1 while the NATS connection is up', registers: [this.registry] });
  readonly ready = new Gauge({ name: 'gateway_ready', help: '1 while /readyz answers 200', registers: [this.registry] });
  /**
   * Measured from the moment the NATS message callback starts to the moment uWS has written or
   * buffered the frame for every subscriber (i.e. the gateway's own share of the latency, including
   * fan-out), not from the event's `ts`, which would also include engine and NATS time.
   */
  readonly natsToSocketSeconds = new Histogram({
    name: 'gateway_nats_to_socket_seconds',
    help: 'Time from the NATS message callback until the frame is written/buffered for every recipient',
    buckets: [0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'gateway_process_' });
  }
}
