// DateTime64(9) text as ClickHouse writes it ('2024-01-02 03:04:05.123456789', UTC — the store's
// sessions set session_timezone — always nine fraction digits) → epoch ms / ns, exact. The pairing pass converts every hop's times several
// times per pass; Date.parse per call was a fifth of its JavaScript time, so whole seconds are
// parsed once and kept (times of a pass share few distinct seconds). Text of one fixed width
// compares like the times it names, so ordering needs no conversion at all.

const seconds = new Map<string, number>();

/** Epoch seconds of the text's first 19 characters ('YYYY-MM-DD hh:mm:ss'). */
function secondsOf(dt: string): number {
  const key = dt.length === 19 ? dt : dt.slice(0, 19);
  let s = seconds.get(key);
  if (s === undefined) {
    s = Date.parse(key.replace(' ', 'T') + 'Z') / 1000;
    if (seconds.size >= 100_000) seconds.clear(); // bounded: a long backlog must not grow it forever
    seconds.set(key, s);
  }
  return s;
}

/** ms since the epoch (the fraction cut to ms). */
export function msOf(dt: string): number {
  return secondsOf(dt) * 1000 + (dt.length > 20 ? Number(dt.slice(20, 23).padEnd(3, '0')) : 0);
}

/** ns since the epoch, exact. */
export function nsOf(dt: string): bigint {
  return BigInt(secondsOf(dt)) * 1_000_000_000n + BigInt((dt.slice(20) || '0').padEnd(9, '0'));
}

/** ns since the epoch as a decimal string, exact, without BigInt for times after 1970 (the RowBinary encoder's input). */
export function nsTextOf(dt: string): string {
  const s = secondsOf(dt);
  const frac = (dt.slice(20) || '0').padEnd(9, '0');
  if (s > 0) return `${s}${frac}`;
  return nsOf(dt).toString();
}

/** Is this DateTime64 text ('YYYY-MM-DD …') rather than a decimal count of ns? */
export const isDateTimeText = (v: string): boolean => v.length >= 19 && v.charCodeAt(4) === 45 && v.charCodeAt(10) === 32;
