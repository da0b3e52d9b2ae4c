import type { SymbolSpec } from '@trading/contracts';
import type { SymbolRole } from '../admin/engine-metrics.js';
import type { SymbolSequencer } from '../sequencer/symbol-sequencer.js';
import type { SymbolEndpoints } from '../transport/symbol-endpoints.js';

/** What this process is doing about one configured symbol. */
export interface SymbolSlot {
  readonly spec: SymbolSpec;
  role: SymbolRole;
  /** Set while owner. */
  sequencer?: SymbolSequencer;
  endpoints?: SymbolEndpoints;
  lastSnapshotAt: number;
  snapshotInProgress: boolean;
  /** An acquisition attempt is running (avoid overlapping ones). */
  acquiring: boolean;
  /**
   * Set after a transient loss (journal append failed, lease renewal ran out): until then the symbol
   * is taken back with quick jittered retries, keeping its lease while the lease is still valid.
   */
  retakeUntil?: number;
  retakeTimer?: NodeJS.Timeout;
  retakeAttempts?: number;
}
