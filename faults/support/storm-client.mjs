// One process of the reconnect storm: COUNT WebSocket clients from one 127.0.0.x source address.
// Each client subscribes to trades of one symbol; when its connection drops it reconnects after a
// random delay (jitter, like the SDK) to the next gateway URL and subscribes again. The parent gets
// counts over IPC; this process has no assertions of its own.
import WebSocket from 'ws';

const [urlsArg, countArg, localAddress] = process.argv.slice(2);
const urls = urlsArg.split(',');
const count = Number(countArg);
const JITTER_MS = Number(process.env.STORM_JITTER_MS ?? 1000);

let subscribed = 0; // clients currently holding an acknowledged subscription
let acks = 0; // every acknowledgement so far
let received = 0; // TradeExecuted frames
let opening = 0;

function client(index) {
  let urlIndex = 0;
  let live = false;
  const open = () => {
    opening++;
    let opened = false;
    const ws = new WebSocket(urls[urlIndex % urls.length], { localAddress });
    ws.on('open', () => {
      opened = true;
      opening--;
      ws.send(JSON.stringify({ op: 'subscribe', channel: 'trades', symbol: 'BTC-USD', id: index }));
    });
    ws.on('message', (data) => {
      const text = data.toString();
      if (text.startsWith('{"type":"subscribed"')) {
        acks++;
        if (!live) subscribed++;
        live = true;
      } else if (text.includes('"TradeExecuted"')) received++;
    });
    ws.on('error', () => undefined);
    ws.on('close', () => {
      if (!opened) opening--; // refused or failed before opening
      if (live) subscribed--;
      live = false;
      urlIndex++;
      setTimeout(open, Math.random() * JITTER_MS);
    });
  };
  open();
}

// Connect gradually (bounded handshakes in flight) so the initial ramp is not itself a storm.
let started = 0;
const ramp = setInterval(() => {
  while (started < count && opening < 200) client(started++);
  if (started >= count) clearInterval(ramp);
}, 5);

setInterval(() => process.send?.({ subscribed, acks, received }), 100);
process.on('disconnect', () => process.exit(0));
