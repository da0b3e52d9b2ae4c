/**
 * NATS `PUB` frames written ahead of time, for messages that must wait (a command's events and
 * reply wait for its journal batch's ack). The frame is written when the message is made, into a
 * chunk shared by every symbol, and only the bytes wait: the strings die young instead of
 * surviving scavenges until the ack (they were most of the engine's garbage-collection work), and
 * releasing a batch hands its bytes to nats.js in a few pieces instead of one publish per message.
 */

/** A message that is not framed: handed to nats.js `publish` at release. */
export interface PendingMessage {
  readonly subject: string;
  readonly payload: string;
}

/**
 * What one batch will publish, in order: runs of frames and (rarely) plain messages. The frames
 * written last are `chunk[start, end)`, not yet cut into `parts`.
 */
export class FrameRun {
  readonly parts: Array<Uint8Array | PendingMessage> = [];
  chunk: Buffer | undefined = undefined;
  start = 0;
  end = 0;
}

/** Payloads above this (a deep snapshot reply) are not framed: they take nats.js's checked publish. */
export const LARGE_PAYLOAD = 64 * 1024;
/** Frames are written into chunks of this size (a larger one for a frame that does not fit). */
const CHUNK_BYTES = 512 * 1024;

type Utf8Write = (this: Buffer, text: string, offset: number) => number;
/** Node's unchecked UTF-8 writer (what `buf.write` calls after checking its arguments), if present. */
const utf8Write: Utf8Write =
  typeof (Buffer.prototype as unknown as { utf8Write?: Utf8Write }).utf8Write === 'function'
    ? (Buffer.prototype as unknown as { utf8Write: Utf8Write }).utf8Write
    : function (this: Buffer, text: string, offset: number) {
        return this.write(text, offset, 'utf8');
      };

/** Bytes a frame of this subject and payload may take at most (3 UTF-8 bytes per UTF-16 unit). */
export function frameRoom(subject: string, payload: string): number {
  return 3 * (subject.length + payload.length) + 32;
}

/**
 * Writes `PUB <subject> <bytes>\r\n<payload>\r\n` at `at` (which has `frameRoom` bytes free) and
 * returns the end. These are the bytes nats.js `publish(subject, payload)` sends. Subjects are the
 * engine's own (contract builders over validated ids) or reply subjects as NATS delivered them, so
 * they hold no whitespace.
 */
export function writeFrame(chunk: Buffer, at: number, subject: string, payload: string): number {
  const frameStart = at;
  at = writeHeader(chunk, at, subject, payload.length);
  const written = utf8Write.call(chunk, payload, at);
  if (written !== payload.length) {
    // Not ASCII: the header must give the byte count. Rare; write the frame again.
    at = writeHeader(chunk, frameStart, subject, Buffer.byteLength(payload));
    at += utf8Write.call(chunk, payload, at);
  } else {
    at += written;
  }
  chunk[at++] = 13;
  chunk[at++] = 10;
  return at;
}

/**
 * `PUB <subject> <bytes>\r\n` byte by byte: building it as a template string and encoding that
 * cost as much as writing the payload itself. Returns where the payload goes.
 */
function writeHeader(chunk: Buffer, at: number, subject: string, bytes: number): number {
  chunk[at] = 0x50; // P
  chunk[at + 1] = 0x55; // U
  chunk[at + 2] = 0x42; // B
  chunk[at + 3] = 0x20;
  at += 4;
  // Subjects are short and ASCII: a JS loop beats a native call per subject. Anything else (a
  // non-ASCII reply subject) takes the UTF-8 writer.
  const length = subject.length;
  let ascii = length <= 128;
  for (let i = 0; ascii && i < length; i++) {
    const c = subject.charCodeAt(i);
    if (c < 0x80) chunk[at + i] = c;
    else ascii = false;
  }
  at += ascii ? length : utf8Write.call(chunk, subject, at);
  chunk[at++] = 0x20;
  let digits = 1;
  for (let rest = bytes; rest >= 10; rest = Math.floor(rest / 10)) digits++;
  let n = bytes;
  for (let i = at + digits - 1; i >= at; i--) {
    chunk[i] = 0x30 + (n % 10);
    n = Math.floor(n / 10);
  }
  at += digits;
  chunk[at++] = 13;
  chunk[at++] = 10;
  return at;
}

/**
 * The shared chunk frames are written into. Runs of different symbols interleave in it; a run
 * grows in place while nothing else was written after it, otherwise its frames so far become a
 * part and it starts again at the end. A chunk is never reused: nats.js may hold views of it until
 * they are written to the socket, and it is garbage once every view is gone.
 */
export class FrameArena {
  private chunk = Buffer.allocUnsafe(0);
  private end = 0;

  /** Adds a message to the run: framed now, or kept as a plain message if its payload is large. */
  add(run: FrameRun, subject: string, payload: string): void {
    if (payload.length > LARGE_PAYLOAD) {
      this.cut(run);
      run.parts.push({ subject, payload });
      return;
    }
    const room = frameRoom(subject, payload);
    if (this.chunk.length - this.end < room) {
      this.chunk = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, room));
      this.end = 0;
    }
    if (run.chunk !== this.chunk || run.end !== this.end) {
      this.cut(run);
      run.chunk = this.chunk;
      run.start = run.end = this.end;
    }
    run.end = this.end = writeFrame(this.chunk, this.end, subject, payload);
  }

  /** Moves the run's last frames into its parts; `run.parts` is then everything, in order. */
  cut(run: FrameRun): void {
    if (run.chunk !== undefined && run.end > run.start) run.parts.push(new Uint8Array(run.chunk.buffer, run.chunk.byteOffset + run.start, run.end - run.start));
    run.chunk = undefined;
    run.start = run.end = 0;
  }
}

/**
 * The messages of a run of frames (for the plain-publish fallback and for tests). Throws on bytes
 * that are not `PUB <subject> <n>\r\n<n bytes>\r\n` frames.
 */
export function parseFrames(frames: Uint8Array): PendingMessage[] {
  const buf = Buffer.from(frames.buffer, frames.byteOffset, frames.byteLength);
  const out: PendingMessage[] = [];
  let at = 0;
  while (at < buf.length) {
    const eol = buf.indexOf('\r\n', at);
    const header = eol < 0 ? '' : buf.toString('utf8', at, eol);
    const m = /^PUB (\S+) (\d+)$/.exec(header);
    if (!m) throw new Error(`not a PUB frame at byte ${at}`);
    const start = eol + 2;
    const stop = start + Number(m[2]);
    if (stop + 2 > buf.length || buf[stop] !== 13 || buf[stop + 1] !== 10) throw new Error(`truncated PUB frame at byte ${at}`);
    out.push({ subject: m[1]!, payload: buf.toString('utf8', start, stop) });
    at = stop + 2;
  }
  return out;
}
