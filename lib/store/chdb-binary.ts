// Binary inserts into embedded chDB: the Native or RowBinary bytes go to a file on tmpfs (/dev/shm where there
// is one; created exclusively, owner-only, under an unguessable name, removed after the insert) and the
// engine reads them with `INSERT … SELECT FROM file()`.
//
// Why not a Buffer straight into the engine: chdb-node's raw insert (connection.chdb.rawInsert) takes
// text formats only, and its native entry (InsertRawAsyncConnection), which accepts any prefix, runs
// prefix + data as multi-statement text: inline INSERT data ends at the first empty line, so a
// binary body holding the bytes "\n\n" (a string with a blank line, or just a number whose bytes
// are 0x0A 0x0A) is cut there and the rest is parsed as SQL (test/integration/store-rowbinary.test.ts
// keeps the proof). Text formats are safe there because they never contain an empty line. A tmpfs
// file costs one memory copy (about 3 ms per 20,000 spans) and is read by the engine as data only.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Column } from './rowbinary.js';

interface QueryTarget {
  queryAsync(sql: string, opts?: { format?: string }): Promise<unknown>;
}

export type BinaryFormat = 'Native' | 'RowBinary';

export interface ChdbBinaryInserter {
  /**
   * Inserts `body` holding rows of `columns` into `table` (db.name); resolves once committed. A
   * Native body declares its columns itself; RowBinary's are given to file() as its structure.
   */
  insert(table: string, columns: readonly Column[], body: Buffer, format?: BinaryFormat): Promise<void>;
  /** Nothing is kept between inserts; here for symmetry with the store's close. */
  close(): void;
}

/** A SQL string literal. */
const literal = (s: string) => `'${s.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
const ident = (s: string) => '`' + s.replaceAll('\\', '\\\\').replaceAll('`', '\\`') + '`';

export function chdbBinaryInserter(chdb: QueryTarget, tmpRoot = defaultTmpRoot()): ChdbBinaryInserter {
  // no folder of our own: a process that dies between inserts leaves nothing behind
  const prefix = path.join(tmpRoot, `eventscope-${process.pid}-`);
  let seq = 0;
  return {
    async insert(table, columns, body, format = 'RowBinary') {
      if (body.length === 0) return;
      const file = `${prefix}${seq++}-${randomBytes(6).toString('hex')}.${format.toLowerCase()}`;
      await fs.promises.writeFile(file, body, { flag: 'wx', mode: 0o600 });
      try {
        const names = columns.map((c) => ident(c.name)).join(', ');
        const source =
          format === 'Native'
            ? `file(${literal(file)}, 'Native')`
            : `file(${literal(file)}, 'RowBinary', ${literal(columns.map((c) => `${ident(c.name)} ${c.type}`).join(', '))})`;
        await chdb.queryAsync(`INSERT INTO ${table} (${names}) SELECT * FROM ${source}`);
      } finally {
        await fs.promises.rm(file, { force: true });
      }
    },
    close() {},
  };
}

function defaultTmpRoot(): string {
  try {
    fs.accessSync('/dev/shm', fs.constants.W_OK);
    return '/dev/shm';
  } catch {
    return os.tmpdir();
  }
}
