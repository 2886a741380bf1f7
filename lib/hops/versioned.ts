// The hop model's state tables are recomputed a range at a time and written with a rising version
// (ReplacingMergeTree(version, deleted), read with FINAL). A key the range held before but the
// recompute no longer wrote must vanish: it gets a tombstone of the new version.

/**
 * SQL that writes tombstones for the keys of `table` matching `where` (the recomputed range) whose
 * latest version is older than {version:UInt64} — the ones the recompute did not write again.
 */
export function vanishedKeysSql(db: string, table: string, key: string, where: string): string {
  return `INSERT INTO ${db}.${table} (${key}, version, deleted)
     SELECT ${key}, {version:UInt64}, 1 FROM ${db}.${table} FINAL
      WHERE ${where} AND version < {version:UInt64}`;
}

/** The distinct buckets (epoch s, starts) of `res` seconds the given epoch seconds fall in. */
export function bucketsOf(seconds: Iterable<number>, res: number): number[] {
  return [...new Set([...seconds].map((s) => Math.floor(s / res) * res))];
}
