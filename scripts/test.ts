// `npm test`: unit tests, then integration and scenario tests (real chDB, real OTLP exporters),
// then the browser tests (real Chromium) — each file in its own process (chDB binds one data
// folder per process). Pass file paths or directories to run a subset.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const suites = args.length ? args : ['test/unit', 'test/integration', 'test/scenarios', 'test/e2e'];

function collect(p: string): string[] {
  const abs = path.resolve(root, p);
  if (!fs.existsSync(abs)) return [];
  if (fs.statSync(abs).isFile()) return [abs];
  return fs
    .readdirSync(abs, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.test.ts'))
    .sort()
    .map((f) => path.join(abs, f));
}

let failed = false;
for (const suite of suites) {
  const files = collect(suite);
  if (files.length === 0) continue;
  console.log(`\n# ${suite} (${files.length} files)`);
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...files],
    { cwd: root, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' } },
  );
  if (r.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
