// Telling a full disk from other store failures: a full disk is retryable and says what to free.

/**
 * A write refused because a disk is full: the store's (chDB and ClickHouse say `Code: 243 …
 * (NOT_ENOUGH_SPACE)` when a part cannot reserve its space, `No space left on device` /
 * CANNOT_WRITE_TO_FILE_DESCRIPTOR when a write runs out midway) or the tmpfs that embedded inserts
 * stage their RowBinary file on (Node's ENOSPC). Retryable: nothing of the batch is acknowledged.
 */
export class DiskFullError extends Error {
  override name = 'DiskFullError';
}

const DISK_FULL = /\bNOT_ENOUGH_SPACE\b|\bCode: 243\b|No space left on device|\bENOSPC\b|not enough space/i;

/** Did this error come from a full disk? */
export function isDiskFull(err: unknown): boolean {
  if (err instanceof DiskFullError) return true;
  const e = err as { code?: unknown; message?: unknown } | undefined;
  if (e?.code === 'ENOSPC' || e?.code === '243' || e?.code === 243) return true;
  return typeof e?.message === 'string' && DISK_FULL.test(e.message);
}
