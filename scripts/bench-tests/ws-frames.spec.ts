// The frame parser and encoder of the benchmark's minimal delivery client
// (bench/gateway/lib/ws-frames.mjs): every length form, frames split at every byte, reused read
// buffers, fragmented messages, control frames, masking, and typed errors for protocol violations.
import { describe, expect, it } from '@jest/globals';
// @ts-expect-error plain-JS benchmark module without type declarations
import { ServerFrameParser, WsProtocolError, encodeClientFrame, closePayload, OPCODE } from '../../bench/gateway/lib/ws-frames.mjs';

/** An unmasked server frame, as a server writes it. */
function serverFrame(opcode: number, payload: Buffer, { fin = true, rsv = 0, masked = false, lengthForm }: { fin?: boolean; rsv?: number; masked?: boolean; lengthForm?: 7 | 16 | 64 } = {}): Buffer {
  const size = payload.length;
  const form = lengthForm ?? (size < 126 ? 7 : size < 65_536 ? 16 : 64);
  const header = form === 7 ? Buffer.alloc(2) : form === 16 ? Buffer.alloc(4) : Buffer.alloc(10);
  header[0] = (fin ? 0x80 : 0) | rsv | opcode;
  const maskBit = masked ? 0x80 : 0;
  if (form === 7) header[1] = maskBit | size;
  else if (form === 16) {
    header[1] = maskBit | 126;
    header.writeUInt16BE(size, 2);
  } else {
    header[1] = maskBit | 127;
    header.writeUInt32BE(Math.floor(size / 2 ** 32), 2);
    header.writeUInt32BE(size >>> 0, 6);
  }
  return Buffer.concat([header, masked ? Buffer.alloc(4) : Buffer.alloc(0), payload]);
}

type Event = [string, ...unknown[]];

/** A parser that records what it reports, copying payloads (they are views valid only during the call). */
function recordingParser(options?: { maxPayload?: number }) {
  const events: Event[] = [];
  const parser = new ServerFrameParser(
    {
      onMessage: (p: Buffer, binary: boolean) => events.push(['message', Buffer.from(p).toString('latin1'), binary]),
      onPing: (p: Buffer) => events.push(['ping', Buffer.from(p).toString('latin1')]),
      onPong: (p: Buffer) => events.push(['pong', Buffer.from(p).toString('latin1')]),
      onClose: (code: number, reason: string) => events.push(['close', code, reason]),
    },
    options,
  );
  return { parser, events };
}

/** Feeds `bytes` in the given pieces through ONE reused read buffer, scribbled over after each push (as `onread` does). */
function feedThroughReusedBuffer(parser: any, bytes: Buffer, cuts: number[]): number {
  const shared = Buffer.alloc(bytes.length + 1);
  let frames = 0;
  let from = 0;
  for (const to of [...cuts, bytes.length]) {
    const n = bytes.copy(shared, 0, from, to);
    frames += parser.push(shared.subarray(0, n));
    shared.fill(0xee);
    from = to;
  }
  return frames;
}

/** Masked client frame back to opcode, payload, and whether it was masked. */
function decodeClientFrame(frame: Buffer) {
  const fin = (frame[0] & 0x80) !== 0;
  const opcode = frame[0] & 0x0f;
  const masked = (frame[1] & 0x80) !== 0;
  let size = frame[1] & 0x7f;
  let at = 2;
  if (size === 126) {
    size = frame.readUInt16BE(2);
    at = 4;
  } else if (size === 127) {
    size = frame.readUInt32BE(2) * 2 ** 32 + frame.readUInt32BE(6);
    at = 10;
  }
  const mask = frame.subarray(at, at + 4);
  const payload = Buffer.from(frame.subarray(at + 4, at + 4 + size));
  for (let i = 0; i < size; i++) payload[i] ^= mask[i & 3];
  return { fin, opcode, masked, size, payload, total: at + 4 + size, mask: Buffer.from(mask) };
}

const event = (seq: number) => `{"type":"TradeExecuted","symbol":"BTC-USD","seq":${seq},"benchTag":"t","benchNs":"${1_000_000 + seq}"}`;

describe('ServerFrameParser', () => {
  it('parses several whole frames of one read, text and binary, in order', () => {
    const { parser, events } = recordingParser();
    const bytes = Buffer.concat([serverFrame(OPCODE.TEXT, Buffer.from(event(1))), serverFrame(OPCODE.BINARY, Buffer.from([1, 2, 3])), serverFrame(OPCODE.TEXT, Buffer.from(event(2)))]);
    expect(parser.push(bytes)).toBe(3);
    expect(events).toEqual([
      ['message', event(1), false],
      ['message', '\u0001\u0002\u0003', true],
      ['message', event(2), false],
    ]);
    expect(parser.frames).toBe(3);
  });

  it('reads 7-bit, 16-bit and 64-bit lengths, including the boundary sizes', () => {
    const sizes = [0, 125, 126, 127, 65_535, 65_536, 200_000];
    const payloads = sizes.map((n, i) => Buffer.alloc(n, 0x61 + i));
    const { parser, events } = recordingParser();
    parser.push(Buffer.concat(payloads.map((p) => serverFrame(OPCODE.TEXT, p))));
    expect(events.map((e) => (e[1] as string).length)).toEqual(sizes);
    expect(events.map((e) => e[1])).toEqual(payloads.map((p) => p.toString('latin1')));
  });

  it('accepts a small payload written with the 64-bit length form (not minimal, but legal to read)', () => {
    const { parser, events } = recordingParser();
    parser.push(serverFrame(OPCODE.TEXT, Buffer.from(event(7)), { lengthForm: 64 }));
    parser.push(serverFrame(OPCODE.TEXT, Buffer.from('x'), { lengthForm: 16 }));
    expect(events).toEqual([
      ['message', event(7), false],
      ['message', 'x', false],
    ]);
  });

  it('gives the same messages however the stream is split: every single cut point, through a reused buffer', () => {
    const stream = Buffer.concat([
      serverFrame(OPCODE.TEXT, Buffer.from(event(1))),
      serverFrame(OPCODE.PING, Buffer.from('p1')),
      serverFrame(OPCODE.TEXT, Buffer.alloc(300, 0x62)), // 16-bit length
      serverFrame(OPCODE.TEXT, Buffer.alloc(70_000, 0x63)), // 64-bit length
      serverFrame(OPCODE.TEXT, Buffer.from(event(2))),
    ]);
    const whole = recordingParser();
    expect(whole.parser.push(stream)).toBe(5);
    // Every cut point through the headers and the first small frames, and a sample of the rest.
    const cuts = [...Array.from({ length: 420 }, (_, i) => i + 1), 70_000, stream.length - 11, stream.length - 1];
    for (const cut of cuts) {
      const split = recordingParser();
      expect(feedThroughReusedBuffer(split.parser, stream, [cut])).toBe(5);
      expect(split.events).toEqual(whole.events);
    }
  });

  it('gives the same messages when fed one byte per read', () => {
    const stream = Buffer.concat([serverFrame(OPCODE.TEXT, Buffer.from(event(3))), serverFrame(OPCODE.TEXT, Buffer.alloc(66_000, 0x64)), serverFrame(OPCODE.CLOSE, closePayload(1001, 'going away'))]);
    const { parser, events } = recordingParser();
    const frames = feedThroughReusedBuffer(
      parser,
      stream,
      Array.from({ length: stream.length - 1 }, (_, i) => i + 1),
    );
    expect(frames).toBe(3);
    expect(events).toEqual([
      ['message', event(3), false],
      ['message', 'd'.repeat(66_000), false],
      ['close', 1001, 'going away'],
    ]);
  });

  it('reassembles a fragmented message, with a control frame between its fragments', () => {
    const { parser, events } = recordingParser();
    const stream = Buffer.concat([
      serverFrame(OPCODE.TEXT, Buffer.from('{"seq":'), { fin: false }),
      serverFrame(OPCODE.PING, Buffer.from('mid')),
      serverFrame(OPCODE.CONTINUATION, Buffer.from('42,'), { fin: false }),
      serverFrame(OPCODE.CONTINUATION, Buffer.from('"x":1}')),
    ]);
    expect(feedThroughReusedBuffer(parser, stream, [5, 12, 20])).toBe(4);
    expect(events).toEqual([
      ['ping', 'mid'],
      ['message', '{"seq":42,"x":1}', false],
    ]);
  });

  it('reports close codes: with a reason, without one (1005)', () => {
    const { parser, events } = recordingParser();
    parser.push(Buffer.concat([serverFrame(OPCODE.CLOSE, closePayload(4008, 'slow consumer')), serverFrame(OPCODE.CLOSE, Buffer.alloc(0)), serverFrame(OPCODE.PONG, Buffer.from('x'))]));
    expect(events).toEqual([
      ['close', 4008, 'slow consumer'],
      ['close', 1005, ''],
      ['pong', 'x'],
    ]);
  });

  it.each([
    ['a masked server frame', serverFrame(OPCODE.TEXT, Buffer.from('hi'), { masked: true }), /masked/],
    ['reserved bits (compression not negotiated)', serverFrame(OPCODE.TEXT, Buffer.from('hi'), { rsv: 0x40 }), /reserved/],
    ['a fragmented control frame', serverFrame(OPCODE.PING, Buffer.from('x'), { fin: false }), /fragmented control/],
    ['a control frame over 125 bytes', serverFrame(OPCODE.PING, Buffer.alloc(126)), /control frame of 126/],
    ['a continuation without a message', serverFrame(OPCODE.CONTINUATION, Buffer.from('x')), /continuation/],
    ['a new message inside a fragmented one', Buffer.concat([serverFrame(OPCODE.TEXT, Buffer.from('a'), { fin: false }), serverFrame(OPCODE.TEXT, Buffer.from('b'))]), /previous fragmented/],
    ['an unknown opcode', serverFrame(0x3, Buffer.from('x')), /unknown data opcode 3/],
    ['a 1-byte close payload', serverFrame(OPCODE.CLOSE, Buffer.from([3])), /1-byte/],
    ['a 64-bit length with the top bit set', Buffer.from([0x81, 127, 0x80, 0, 0, 0, 0, 0, 0, 1]), /most significant bit/],
  ])('throws WsProtocolError on %s, and keeps failing afterwards', (_name, bytes, message) => {
    const { parser } = recordingParser();
    expect(() => parser.push(bytes)).toThrow(WsProtocolError);
    expect(() => parser.push(serverFrame(OPCODE.TEXT, Buffer.from('later')))).toThrow(message);
  });

  it('refuses a frame over maxPayload as soon as its header is read', () => {
    const { parser, events } = recordingParser({ maxPayload: 1000 });
    const header = serverFrame(OPCODE.TEXT, Buffer.alloc(1001)).subarray(0, 4); // payload not sent
    expect(() => parser.push(header)).toThrow(/1001 bytes exceeds the 1000-byte limit/);
    expect(events).toEqual([]);
  });
});

describe('encodeClientFrame', () => {
  it.each([0, 5, 125, 126, 65_535, 65_536])('masks a %i-byte payload with a fresh key and the right length form', (size) => {
    const payload = Buffer.alloc(size);
    for (let i = 0; i < size; i++) payload[i] = i & 0xff;
    const frame = encodeClientFrame(OPCODE.PONG, payload);
    const decoded = decodeClientFrame(frame);
    expect(decoded).toMatchObject({ fin: true, opcode: OPCODE.PONG, masked: true, size, total: frame.length });
    expect(decoded.payload.equals(payload)).toBe(true);
    // The shortest length form: 7-bit up to 125, 16-bit up to 65,535, 64-bit above.
    expect(frame.length).toBe((size < 126 ? 2 : size < 65_536 ? 4 : 10) + 4 + size);
    if (size >= 8) {
      // The bytes on the wire are not the payload (masking applied)...
      const wire = frame.subarray(frame.length - size);
      expect(wire.equals(payload)).toBe(false);
      // ...and two frames of the same payload use different keys.
      expect(decodeClientFrame(encodeClientFrame(OPCODE.PONG, payload)).mask.equals(decoded.mask)).toBe(false);
    }
  });

  it('writes a close frame with its status code', () => {
    const decoded = decodeClientFrame(encodeClientFrame(OPCODE.CLOSE, closePayload(1000, 'bye')));
    expect(decoded.opcode).toBe(OPCODE.CLOSE);
    expect(decoded.payload.readUInt16BE(0)).toBe(1000);
    expect(decoded.payload.toString('utf8', 2)).toBe('bye');
  });
});
