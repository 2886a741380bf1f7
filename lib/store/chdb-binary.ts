// Binary inserts into embedded chDB. Why this exists: chdb-node's raw insert (connection.chdb.rawInsert)
// hands a Buffer to the engine zero-copy, but only for a whitelist of text formats (the format name
// is pasted into the SQL prefix it builds). Its native entry, InsertRawAsyncConnection(connection,
// prefix, buffer, countLines), takes any SQL prefix, and RowBinary goes through it intact (NUL and
// newline bytes inside strings included; a truncated buffer fails with CANNOT_READ_ALL_DATA).
//
// We keep chdb-node's own path (its closed-connection checks, and its tracking of native calls, so
// closing the store never tears a connection down under a running insert) and swap only the prefix:
// the native function is wrapped once, and a call made while `override` is set gets our prefix.
// Everything between setting and consuming it is synchronous (rawInsert → Session.insert →
// native call), so no other insert can take it.
import { createRequire } from 'node:module';
import path from 'node:path';

type NativeInsert = (connection: unknown, prefix: string, buf: Buffer, countLines: boolean) => Promise<unknown>;
interface NativeAddon {
  InsertRawAsyncConnection: NativeInsert & { [WRAPPED]?: true };
}
interface RawInsertTarget {
  rawInsert(params: { table: string; values: Buffer; format: 'JSONEachRow' }): Promise<unknown>;
}

const WRAPPED = Symbol.for('eventscope.chdbBinaryInsert');
let override: string | undefined;

function wrapNative(): void {
  const require = createRequire(import.meta.url);
  // chdb's package exports do not name its loader; reach it next to the package's main file
  const chdbDir = path.dirname(require.resolve('chdb'));
  const native = (require(path.join(chdbDir, 'dist', 'loader.js')) as { loadNative(): NativeAddon }).loadNative();
  const original = native.InsertRawAsyncConnection;
  if (typeof original !== 'function') throw new Error('chdb: the native InsertRawAsyncConnection entry is missing');
  if (original[WRAPPED]) return;
  const wrapped: NativeInsert & { [WRAPPED]?: true } = function (this: unknown, connection, prefix, buf, countLines) {
    if (override !== undefined) {
      const ours = override;
      override = undefined;
      return original.call(this, connection, ours, buf, false);
    }
    return original.call(this, connection, prefix, buf, countLines);
  };
  wrapped[WRAPPED] = true;
  native.InsertRawAsyncConnection = wrapped;
}

let ready = false;

/**
 * Inserts `body` (already in the format the statement names, e.g. RowBinary) with `statement`
 * (`INSERT INTO db.t (cols) [SETTINGS …] FORMAT RowBinary`) through the chDB connection's raw insert.
 */
export function chdbInsertBinary(chdb: RawInsertTarget, statement: string, body: Buffer): Promise<void> {
  if (!ready) {
    wrapNative();
    ready = true;
  }
  if (body.length === 0) return Promise.resolve();
  override = statement;
  try {
    // table and format only satisfy chdb-node's checks; the statement above replaces its prefix
    return chdb.rawInsert({ table: 'system.one', values: body, format: 'JSONEachRow' }).then(() => {});
  } catch (err) {
    return Promise.reject(err);
  } finally {
    override = undefined;
  }
}
