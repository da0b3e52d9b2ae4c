export const USAGE = `Usage: npm run cli -- <command> [options]

Tokens (HS256; secret = --secret, else JWT_SECRET, else the local dev stack's secret):
  gentoken <userId> [--ttl 3600] [--secret S]     print a JWT whose "sub" is userId
  checktoken <jwt> [--secret S]                   verify a JWT and print its claims

NATS (server = --nats URL, else NATS_URL, else nats://127.0.0.1:4222; credentials: nats://user:password@host
  in the URL, or NATS_CREDS=<file.creds>; TLS: NATS_TLS_CA, NATS_TLS_CERT, NATS_TLS_KEY):
  tail <orders|trades|book> [--symbol X] [--user U] [--count N]
                                                  print events as JSON lines until Ctrl-C
  place --user U --symbol S --side buy|sell [--type limit|market] [--price 1.00] --qty 0.1
        [--tif GTC|IOC|FOK] [--post-only] [--stp none|expire_taker|expire_maker|expire_both]
        [--client-order-id X]                     send a place command, print the reply
  cancel --user U --symbol S (--order-id X | --client-order-id Y)
                                                  send a cancel command, print the reply
  snapshot --symbol S [--depth N]                 print the engine's book snapshot
  simulate [--symbols BTC-USD,ETH-USD] [--rate 30] [--users 4] [--seed N] [--count N]
                                                  run the market simulator until Ctrl-C
  Request commands also take [--timeout ms] (default 5000).

Exit codes: 0 ok, 1 refused or invalid token, 2 usage error, 3 NATS unreachable / no engine / timeout.`;
