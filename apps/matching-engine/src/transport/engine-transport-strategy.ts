import { Server, type CustomTransportStrategy } from '@nestjs/microservices';
import type { EngineRuntime } from '../engine/engine-runtime.js';

/**
 * Nest's transport seam for the engine. Nest's own ServerNats wraps every message in its
 * {pattern,data,id} envelope and subscribes a fixed set of patterns at listen time; the contract
 * forbids the envelope, and the engine subscribes and unsubscribes per symbol as leases move. So
 * this strategy hands the connection to the EngineRuntime, which serves each owned symbol's
 * subjects with plain JSON through its sequencer (no per-message Observable either: the command
 * path is the hot path).
 */
export class EngineTransportStrategy extends Server implements CustomTransportStrategy {
  private runtime?: EngineRuntime;

  /** Nest builds the strategy before the module graph; main attaches the runtime once DI made it. */
  attach(runtime: EngineRuntime): void {
    this.runtime = runtime;
  }

  listen(callback: (...optionalParams: unknown[]) => void): void {
    if (!this.runtime) {
      callback(new Error('EngineTransportStrategy.listen called before attach(runtime)'));
      return;
    }
    this.runtime.start().then(
      () => callback(),
      (err: unknown) => callback(err),
    );
  }

  async close(): Promise<void> {
    await this.runtime?.shutdown();
  }

  on(): void {
    // The engine emits no transport-level events for Nest to listen to.
  }

  unwrap<T>(): T {
    return this.runtime as T;
  }
}
