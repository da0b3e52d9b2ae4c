/**
 * Core NATS publishing is at most once, and nats.js keeps nothing across a reconnect: bytes written
 * to a socket whose server then dies are gone (a `kill -9`ed cluster node drops what it had read
 * but not yet routed), and whatever is queued while disconnected is discarded when the next server
 * is dialed (`ProtocolHandler.prepare()` resets the outbound buffer). The engine publishes each
 * event once, after its journal batch is stored, so such an event would be missing from every
 * subscriber and from the retention streams: a seq gap that resume cannot fill (issue 7, seen as
 * one missed OrderUpdate per user in about 2 of 24 cluster-kill runs).
 *
 * PublishResend keeps the framed `PUB`s (the engine's events and replies, written by
 * FramedPublisher) handed to nats.js in the last `windowMs`, holds new ones while the connection is
 * down, and after the reconnect sends again, in their original order, everything from `windowMs`
 * before the disconnect on, before anything newer. A subscriber that already had some of them gets
 * repeats with identical bytes (seq at or below what it has: the SDK and the gateway's resume drop
 * them, as after an engine crash); one that missed some gets them with no gap and in order.
 *
 * A frame leaves the buffer only when it is both older than `windowMs` and confirmed: a PING sent
 * after it was answered (`mark()` before `nc.flush()`, `confirm()` when it resolves), so the server
 * read it. The window covers a server that read the frames but died before routing them; the
 * confirmation covers a connection that stays silently dead for longer than the window before
 * nats.js notices (a network partition found only by missed pings, up to about 10 s): before the
 * confirmation was added, everything older than the window was lost then.
 *
 * Not covered: more than `maxBytes` unconfirmed or in the window. Then the oldest of those events
 * stay lost and consumers see the seq jump (a gap, never silent); `droppedBytes` counts it and the
 * engine logs it.
 */

/** The nats.js internal this relies on (as FramedPublisher does). */
export interface SendCommandTarget {
  sendCommand(cmd: string | Uint8Array, ...payloads: Uint8Array[]): void;
}

/** How long before a detected disconnect framed publishes are sent again (default). */
export const RESEND_WINDOW_MS = 1000;
/** At most this many bytes are kept for a resend (default); beyond it the oldest are dropped. */
export const RESEND_MAX_BYTES = 64 * 1024 * 1024;

/** A point in the publish stream, taken just before a PING; `confirm` it once the PONG is in. */
export interface ResendMark {
  readonly id: number;
  readonly epoch: number;
}

const P = 0x50;
const U = 0x55;
const B = 0x42;
const SPACE = 0x20;

interface Kept {
  id: number;
  at: number;
  frames: Uint8Array;
}

export class PublishResend {
  private readonly kept: Kept[] = [];
  private head = 0;
  private bytes = 0;
  private down = false;
  private send!: SendCommandTarget['sendCommand'];
  /** Bytes of held publishes dropped by the byte cap during the current outage. */
  private droppedBytes = 0;
  private lastId = 0;
  /** Every frame up to this id reached the server (a later PING was answered). */
  private confirmedId = 0;
  /** Bumped by each disconnect: a PONG from before it confirms nothing on the new connection. */
  private epoch = 0;

  constructor(
    private readonly windowMs = RESEND_WINDOW_MS,
    private readonly maxBytes = RESEND_MAX_BYTES,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /**
   * Wraps `target.sendCommand` (FramedPublisher looks it up at each call, so it goes through the
   * wrapper). Only framed `PUB`s (one Uint8Array, no payload arguments) are kept; nats.js's own
   * commands (SUB, PING, its publish and request calls, KV and journal writes) pass untouched.
   */
  install(target: SendCommandTarget): void {
    const original = target.sendCommand.bind(target);
    this.send = original;
    target.sendCommand = (cmd: string | Uint8Array, ...payloads: Uint8Array[]) => {
      if (payloads.length === 0 && typeof cmd !== 'string' && isPub(cmd)) {
        this.keep(cmd);
        if (this.down) return; // nats.js would discard it at the redial: sent by resend()
      }
      original(cmd, ...payloads);
    };
  }

  /** The position of the last kept frame; take it right before a PING (`nc.flush()`). */
  mark(): ResendMark {
    return { id: this.lastId, epoch: this.epoch };
  }

  /** The PING sent after `mark` was answered: the server has every frame up to it. */
  confirm(mark: ResendMark): void {
    if (mark.epoch !== this.epoch || this.down) return;
    if (mark.id > this.confirmedId) this.confirmedId = mark.id;
    this.trim(this.now() - this.windowMs);
  }

  /** The connection is lost: keep the unconfirmed frames and the last window, hold new framed publishes. */
  disconnected(): void {
    if (this.down) return;
    this.epoch++;
    this.trim(this.now() - this.windowMs);
    this.down = true;
  }

  /**
   * Reconnected: sends the kept window and the held publishes, in order, then goes back to passing
   * publishes straight through. Call it before anything else is published on the new connection
   * (the status handler runs in the same macrotask as the reconnect). Returns the bytes resent and
   * the bytes that fell out of the resend during this outage (window or byte cap exceeded).
   */
  reconnected(): { resentBytes: number; droppedBytes: number } {
    if (!this.down) return { resentBytes: 0, droppedBytes: 0 };
    this.down = false;
    let resentBytes = 0;
    for (let i = this.head; i < this.kept.length; i++) {
      this.send(this.kept[i].frames);
      resentBytes += this.kept[i].frames.byteLength;
    }
    const droppedBytes = this.droppedBytes;
    this.droppedBytes = 0;
    return { resentBytes, droppedBytes };
  }

  get keptBytes(): number {
    return this.bytes;
  }

  private keep(frames: Uint8Array): void {
    const at = this.now();
    this.kept.push({ id: ++this.lastId, at, frames });
    this.bytes += frames.byteLength;
    // While down, nothing ages out by time (it has not been sent yet); only the byte cap applies.
    if (!this.down) this.trim(at - this.windowMs);
    while (this.bytes > this.maxBytes && this.head < this.kept.length - 1) {
      if (this.down) this.droppedBytes += this.kept[this.head].frames.byteLength;
      this.drop();
    }
  }

  private trim(before: number): void {
    while (this.head < this.kept.length && this.kept[this.head].at < before && this.kept[this.head].id <= this.confirmedId) this.drop();
  }

  private drop(): void {
    this.bytes -= this.kept[this.head].frames.byteLength;
    this.kept[this.head] = undefined as unknown as Kept;
    this.head++;
    if (this.head > 1024 && this.head * 2 > this.kept.length) {
      this.kept.splice(0, this.head);
      this.head = 0;
    }
  }
}

function isPub(cmd: Uint8Array): boolean {
  return cmd.length > 4 && cmd[0] === P && cmd[1] === U && cmd[2] === B && cmd[3] === SPACE;
}
