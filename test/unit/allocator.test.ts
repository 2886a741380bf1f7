// The glibc malloc settings reach the Eventscope process through package.json's scripts (they must be
// in the environment when the process starts), with the values lib/allocator.ts names, and a value
// the user set wins.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ALLOCATOR_ENV, withAllocatorEnv } from '../../lib/allocator.js';

const scripts = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '../../package.json'), 'utf8')).scripts as Record<string, string>;
const PRINT = `node -e "process.stdout.write(JSON.stringify([${Object.keys(ALLOCATOR_ENV).map((k) => `process.env.${k}`).join(',')}]))"`;

for (const name of ['start', 'dev', 'collector']) {
  test(`npm run ${name} starts the process with the allocator settings, the user's own values first`, () => {
    const script = scripts[name]!;
    // the script with its command swapped for one that prints what the process sees, run by sh as npm runs it
    const command = script.replace(/tsx scripts\/\S+(\s+--dev)?$/, PRINT);
    assert.notEqual(command, script, `${name}: the script ends with its tsx command`);
    const base = { ...process.env };
    for (const k of Object.keys(ALLOCATOR_ENV)) delete base[k];
    const seen = (env: NodeJS.ProcessEnv) => JSON.parse(execFileSync('/bin/sh', ['-c', command], { env, encoding: 'utf8' }));
    assert.deepEqual(seen(base), Object.values(ALLOCATOR_ENV));
    assert.deepEqual(seen({ ...base, MALLOC_MMAP_THRESHOLD_: '262144' }), ['262144', ...Object.values(ALLOCATOR_ENV).slice(1)]);
  });
}

test('withAllocatorEnv fills in only what the environment lacks', () => {
  const env = withAllocatorEnv({ MALLOC_TRIM_THRESHOLD_: '1', OTHER: 'x' });
  assert.deepEqual(env, { OTHER: 'x', MALLOC_MMAP_THRESHOLD_: ALLOCATOR_ENV.MALLOC_MMAP_THRESHOLD_, MALLOC_TRIM_THRESHOLD_: '1' });
});
