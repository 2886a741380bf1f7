// A broken EVENTSCOPE_MAPPINGS file stops the real start (`npm start`, before any dashboard build, and
// `npm run collector`) with exit 2 and one
// message naming the file and the line, before anything listens or the store is opened.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

for (const script of ['start.ts', 'collector.ts']) test(`a broken mapping file stops scripts/${script} with the file and the line`, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'es-mappings-'));
  const file = path.join(dir, 'bus.yaml');
  fs.writeFileSync(file, 'profiles:\n  - name: hermes\n    match: { scopes: [acme-hermes] }\n    system: hermes\n    operation:\n      from: hermes.op\n      values: { emit: sned }\n');
  try {
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', script)], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 120_000,
      env: {
        ...process.env,
        EVENTSCOPE_MAPPINGS: file,
        EVENTSCOPE_DATA_DIR: path.join(dir, 'data'),
        EVENTSCOPE_NEXT_DIST_DIR: '.next-profiles',
        PORT: '0',
        EVENTSCOPE_OTLP_HTTP_PORT: '0',
        EVENTSCOPE_OTLP_GRPC_PORT: '0',
      },
    });
    assert.equal(r.status, 2, `exit code (stderr: ${r.stderr})`);
    assert.match(r.stderr, new RegExp(`EVENTSCOPE_MAPPINGS ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:7:23: profiles\\[0\\]\\.operation\\.values\\.emit: Invalid option`));
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'one sentence, no stack trace');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
