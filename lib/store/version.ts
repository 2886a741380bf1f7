// The schema relies on features (DateTime64 codecs, Map columns, window functions, analyzer-era
// array functions) that older servers lack; refuse them at start with a precise message.
export const MIN_CLICKHOUSE_VERSION = '24.3';

export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((p) => Number.parseInt(p, 10) || 0);
  const pb = b.split('.').map((p) => Number.parseInt(p, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

export class UnsupportedVersionError extends Error {
  override name = 'UnsupportedVersionError';
}

export function assertSupportedVersion(version: string): void {
  if (compareVersions(version, MIN_CLICKHOUSE_VERSION) < 0) {
    throw new UnsupportedVersionError(
      `ClickHouse ${version} is too old for Eventscope: the schema needs ClickHouse ${MIN_CLICKHOUSE_VERSION} or newer.`,
    );
  }
}
