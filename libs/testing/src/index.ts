export * from './wait-for.js';
export * from './free-port.js';
export * from './nats-server.js';
export * from './ws-client.js';
export * from './child-service.js';
export * from './tcp-hop.js';
