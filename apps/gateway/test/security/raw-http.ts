import { connect } from 'node:net';

/** What came back on a raw TCP request: the status line (or '' if the server just closed) and the whole text. */
export interface RawAnswer {
  statusLine: string;
  text: string;
}

/** Sends bytes as they are (no client-side URL normalisation or header checks) and reads until close or timeout. */
export function rawRequest(port: number, request: string | Buffer, timeoutMs = 3000): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ statusLine: text.split('\r\n')[0] ?? '', text });
    };
    const timer = setTimeout(finish, timeoutMs);
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1');
      // One complete answer is enough: a JSON body ends the exchange.
      if (/\r\n\r\n/.test(text) && (/content-length: 0\r\n/i.test(text) || /\}$/.test(text.trim()))) finish();
    });
    socket.on('error', finish);
    socket.on('close', finish);
    socket.write(request);
  });
}
