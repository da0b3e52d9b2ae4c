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
}
