import { performance } from 'node:perf_hooks';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { subjects } from '@trading/contracts';
import type { SymbolSequencer } from '../sequencer/symbol-sequencer.js';

/**
 * The two request-reply subjects of one owned symbol, plain JSON in and out. No queue group: only
 * the lease owner subscribes, so a symbol nobody owns gets "no responders".
 */
export class SymbolEndpoints {
  private readonly subscriptions: Subscription[];

  constructor(nc: NatsConnection, sequencer: SymbolSequencer, onError: (err: unknown) => void) {
    const symbol = sequencer.symbol;
    this.subscriptions = [
      nc.subscribe(subjects.command(symbol), {
        callback: (err, msg) => {
          if (err) return;
          try {
            sequencer.handleCommand(msg.string(), msg.reply, performance.now());
          } catch (error) {
            onError(error);
          }
        },
      }),
      nc.subscribe(subjects.snapshot(symbol), {
        callback: (err, msg) => {
          if (err) return;
          try {
            sequencer.handleSnapshotRequest(msg.string(), msg.reply);
          } catch (error) {
            onError(error);
          }
        },
      }),
    ];
  }

  /** Stops taking requests at once; messages already delivered to the callback are still handled. */
  close(): void {
    for (const sub of this.subscriptions) sub.unsubscribe();
  }
}
