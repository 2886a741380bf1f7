// socket.io through @opentelemetry/instrumentation-socket.io (recorded with the real instrumentation
// 0.70 on socket.io 4.8, test/fixtures/socket.io/; the test runs the same). The instrumentation traces
// the server only: a CONSUMER `receive <namespace>` around each listener, a PRODUCER `send <namespace>`
// around each emit (`messaging.socket.io.rooms` the rooms it went to), both naming only the namespace
// in `messaging.destination`. What the profile adds:
// - the destination is the namespace and the event (`/orders order:placed`): the namespace alone
//   would put every event of an app on one node; rooms are per-entity audiences (one per user or
//   order), so they are the key, not a node;
// - the event name is the message type (a listener stays the instrumentation's `receive`: a delivery);
// - the reserved events (connect, disconnect … traced with `traceReserved: true`) are housekeeping.
// socket.io-client has no instrumentation: a client app traced by hand with the same attribute names
// (marker `messaging.socket.io.event_name`) is read by this profile too. socket.io has no message id
// and no attempt counter: a retry (socket.io-client `retries`, resent when the ack times out) is the
// same emit delivered again, known from the failed previous attempt.
import type { Profile } from './language.js';

/** socket.io's reserved events (https://socket.io/docs/v4/emit-cheatsheet/#reserved-events) */
const RESERVED = ['connect', 'connection', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener'] as const;

export const socketIo: Profile = {
  name: 'socket.io',
  description: 'socket.io events traced by @opentelemetry/instrumentation-socket.io',
  match: { scopes: ['@opentelemetry/instrumentation-socket.io'], attribute: 'messaging.socket.io.event_name' },
  system: 'socket.io',
  operation: {
    // any other event falls back to the conventions: `messaging.operation` send (emit) / receive (listener)
    from: 'messaging.socket.io.event_name',
    values: Object.fromEntries(RESERVED.map((e) => [e, 'housekeeping' as const])),
  },
  destination: [{ template: '{messaging.destination} {messaging.socket.io.event_name}' }, { template: '{messaging.socket.io.namespace} {messaging.socket.io.event_name}' }, 'messaging.destination'],
  key: 'messaging.socket.io.rooms',
  messageType: 'messaging.socket.io.event_name',
};
