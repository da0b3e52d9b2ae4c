import type { CommandReply } from '@trading/contracts';
import type { CommandResult, EncodedEvent } from '../symbol-engine-types.js';

/**
 * What `apply` returns. The engine service publishes `replyJson` and never reads `reply`, so the
 * reply object of an accepted command is not built on the hot path: it is parsed from
 * `replyJson` on first read. `replyJson` is canonical JSON (what JSON.stringify writes: no spaces,
 * integers only, fixed field order), so the parsed object is exactly the object it encodes and
 * `JSON.stringify(reply) === replyJson` holds.
 */
export class ApplyResult implements CommandResult {
  private parsedReply: CommandReply | undefined;

  constructor(
    readonly replyJson: string,
    readonly events: readonly EncodedEvent[],
    readonly changedState: boolean,
    reply: CommandReply | undefined,
  ) {
    this.parsedReply = reply;
  }

  get reply(): CommandReply {
    return (this.parsedReply ??= JSON.parse(this.replyJson) as CommandReply);
  }
}
