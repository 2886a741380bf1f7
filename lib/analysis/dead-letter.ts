// Dead-letter destinations (DESIGN §6): where a messaging system or framework moves messages that
// could not be processed. Recognised by the naming conventions of the common brokers and frameworks,
// plus the patterns configured in EVENTSCOPE_DEAD_LETTER_PATTERNS (lib/config). Pure.

/**
 * Naming conventions, all case-insensitive (brokers and frameworks spell them either way):
 * - a `dlq` / `dlt` word: `orders.dlq`, `orders-dlq`, `orders_DLQ`, Spring Kafka's `orders.DLT` and
 *   `orders-dlt`, ActiveMQ's `ActiveMQ.DLQ` and `DLQ.orders`;
 * - an `error` / `errors` suffix or prefix after a dot or underscore: MassTransit's `orders_error`,
 *   Spring Cloud Stream's `error.orders.group`, NServiceBus's `error` queue; not after a hyphen,
 *   where it usually names an event (`payment-error`);
 * - `deadletter` in any spelling: `deadletter`, `dead-letter`, `dead_letter`, `dead.letter`,
 *   `DeadLetter`, Azure Service Bus's `$DeadLetterQueue`.
 */
export const DEAD_LETTER_CONVENTIONS: readonly RegExp[] = [
  /(^|[._-])(dlq|dlt)($|[._-])/i,
  /[._]errors?$|^errors?([._]|$)/i,
  /dead[._-]?letter/i,
];

/** Whether a destination is a dead-letter destination, by convention or by a configured pattern. */
export function deadLetterMatcher(configured: readonly RegExp[] = []): (destination: string) => boolean {
  const patterns = [...DEAD_LETTER_CONVENTIONS, ...configured];
  const cache = new Map<string, boolean>();
  return (destination) => {
    let hit = cache.get(destination);
    if (hit === undefined) cache.set(destination, (hit = destination !== '' && patterns.some((p) => p.test(destination))));
    return hit;
  };
}
