// Minimal WebSocket framing for the benchmark's cheap delivery client (RFC 6455, section 5): a
// parser for server-to-client frames (unmasked, no extensions: the client never offers
// permessage-deflate) and an encoder for the few client frames it sends (pong, close), which a
// client must mask. The load clients share the machine's two cores with the server under test, so
// the parser does as little as it can: a frame that lies whole in one read is handed on as a view
// of that read's bytes (no copy, no string); only a frame split across reads is copied.
import { randomFillSync } from 'node:crypto';

export const OPCODE = Object.freeze({ CONTINUATION: 0x0, TEXT: 0x1, BINARY: 0x2, CLOSE: 0x8, PING: 0x9, PONG: 0xa });

/** The server broke the protocol (masked frame, reserved bits, bad control frame...): the connection must be dropped. */
export class WsProtocolError extends Error {
  code = 'WS_PROTOCOL_ERROR';
  constructor(message) {
    super(message);
    this.name = 'WsProtocolError';
  }
}

const NOOP = () => undefined;

/**
 * Parses the byte stream a server sends after the 101. `push(bytes)` takes each read as it comes
 * (any split: a frame header or payload may straddle reads) and calls, synchronously:
 * - `onMessage(payload, isBinary)` per complete message (fragmented messages reassembled);
 * - `onPing(payload)`, `onPong(payload)`, `onClose(code, reason)` per control frame.
 * Payloads are views valid only during the call (the caller's read buffer may be reused).
 * A protocol violation throws WsProtocolError from `push`; the parser is then unusable.
 */
export class ServerFrameParser {
  /** Complete frames parsed (data and control), for frames-per-read figures. */
  frames = 0;
  #onMessage;
  #onPing;
  #onPong;
  #onClose;
  #maxPayload;
  /** Bytes of an incomplete frame (copies), and how many bytes the frame needs at least. */
  #held = [];
  #heldBytes = 0;
  #needed = 0;
  /** Fragments of a message whose final frame has not arrived (copies). */
  #fragments;
  #fragmentBinary = false;
  #fragmentBytes = 0;
  #failed;

  constructor({ onMessage = NOOP, onPing = NOOP, onPong = NOOP, onClose = NOOP } = {}, { maxPayload = 16 * 1024 * 1024 } = {}) {
    this.#onMessage = onMessage;
    this.#onPing = onPing;
    this.#onPong = onPong;
    this.#onClose = onClose;
    this.#maxPayload = maxPayload;
  }

  /** Feeds one read. Returns the number of frames completed by it. */
  push(bytes) {
    if (this.#failed) throw this.#failed;
    let buf = bytes;
    if (this.#heldBytes > 0) {
      this.#held.push(bytes);
      this.#heldBytes += bytes.length;
      if (this.#heldBytes < this.#needed) {
        // Still incomplete: the caller may reuse `bytes`, so keep a copy.
        this.#held[this.#held.length - 1] = Buffer.from(bytes);
        return 0;
      }
      buf = Buffer.concat(this.#held, this.#heldBytes);
      this.#held = [];
      this.#heldBytes = 0;
    }
    const before = this.frames;
    try {
      const end = this.#parse(buf);
      if (end < buf.length) {
        this.#held = [Buffer.from(buf.subarray(end))];
        this.#heldBytes = buf.length - end;
      }
    } catch (err) {
      this.#failed = err;
      throw err;
    }
    return this.frames - before;
  }

  /** Parses every whole frame of `buf`; returns the offset of the first incomplete one. */
  #parse(buf) {
    const length = buf.length;
    let at = 0;
    while (length - at >= 2) {
      const b0 = buf[at];
      const b1 = buf[at + 1];
      if (b0 & 0x70) throw new WsProtocolError(`reserved bits set (0x${b0.toString(16)}) without a negotiated extension`);
      if (b1 & 0x80) throw new WsProtocolError('masked frame from the server');
      const opcode = b0 & 0x0f;
      const fin = (b0 & 0x80) !== 0;
      let size = b1 & 0x7f;
      let header = 2;
      if (size === 126) {
        if (length - at < 4) {
          this.#needed = 4;
          break;
        }
        size = buf.readUInt16BE(at + 2);
        header = 4;
      } else if (size === 127) {
        if (length - at < 10) {
          this.#needed = 10;
          break;
        }
        const high = buf.readUInt32BE(at + 2);
        if (high & 0x80000000) throw new WsProtocolError('64-bit payload length with the most significant bit set');
        size = high * 2 ** 32 + buf.readUInt32BE(at + 6);
        header = 10;
      }
      if (size > this.#maxPayload) throw new WsProtocolError(`frame of ${size} bytes exceeds the ${this.#maxPayload}-byte limit`);
      if (length - at < header + size) {
        this.#needed = header + size;
        break;
      }
      const payload = buf.subarray(at + header, at + header + size);
      at += header + size;
      this.frames++;
      this.#frame(opcode, fin, payload);
    }
    if (at === length) this.#needed = 0;
    else if (length - at < 2) this.#needed = 2;
    return at;
  }

  #frame(opcode, fin, payload) {
    if (opcode >= 0x8) {
      if (!fin) throw new WsProtocolError(`fragmented control frame (opcode ${opcode})`);
      if (payload.length > 125) throw new WsProtocolError(`control frame of ${payload.length} bytes (at most 125)`);
      if (opcode === OPCODE.PING) this.#onPing(payload);
      else if (opcode === OPCODE.PONG) this.#onPong(payload);
      else if (opcode === OPCODE.CLOSE) {
        if (payload.length === 1) throw new WsProtocolError('close frame with a 1-byte payload');
        this.#onClose(payload.length >= 2 ? payload.readUInt16BE(0) : 1005, payload.length > 2 ? payload.toString('utf8', 2) : '');
      } else throw new WsProtocolError(`unknown control opcode ${opcode}`);
      return;
    }
    if (opcode === OPCODE.TEXT || opcode === OPCODE.BINARY) {
      if (this.#fragments) throw new WsProtocolError('new message before the previous fragmented one ended');
      if (fin) return this.#onMessage(payload, opcode === OPCODE.BINARY);
      this.#fragments = [Buffer.from(payload)];
      this.#fragmentBytes = payload.length;
      this.#fragmentBinary = opcode === OPCODE.BINARY;
      return;
    }
    if (opcode === OPCODE.CONTINUATION) {
      if (!this.#fragments) throw new WsProtocolError('continuation frame without a message to continue');
      this.#fragmentBytes += payload.length;
      if (this.#fragmentBytes > this.#maxPayload) throw new WsProtocolError(`message of more than ${this.#maxPayload} bytes`);
      if (!fin) {
        this.#fragments.push(Buffer.from(payload));
        return;
      }
      this.#fragments.push(payload);
      const message = Buffer.concat(this.#fragments, this.#fragmentBytes);
      this.#fragments = undefined;
      this.#fragmentBytes = 0;
      return this.#onMessage(message, this.#fragmentBinary);
    }
    throw new WsProtocolError(`unknown data opcode ${opcode}`);
  }
}

/** One masked client frame (FIN set): what a client sends, e.g. a pong echoing a ping's payload. */
export function encodeClientFrame(opcode, payload = Buffer.alloc(0)) {
  const size = payload.length;
  const header = size < 126 ? 2 : size < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + 4 + size);
  frame[0] = 0x80 | opcode;
  if (header === 2) frame[1] = 0x80 | size;
  else if (header === 4) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(size, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeUInt32BE(Math.floor(size / 2 ** 32), 2);
    frame.writeUInt32BE(size >>> 0, 6);
  }
  const mask = frame.subarray(header, header + 4);
  randomFillSync(mask);
  for (let i = 0; i < size; i++) frame[header + 4 + i] = payload[i] ^ mask[i & 3];
  return frame;
}

/** A close frame's payload: the 2-byte status code (and an optional reason). */
export function closePayload(code, reason = '') {
  const text = Buffer.from(reason, 'utf8');
  const payload = Buffer.allocUnsafe(2 + text.length);
  payload.writeUInt16BE(code, 0);
  text.copy(payload, 2);
  return payload;
}
