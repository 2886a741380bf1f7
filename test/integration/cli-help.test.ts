// `npm start -- --help` and `npm run collector -- --help` list every environment variable lib/config
// reads (with its default) and exit 0 without starting anything; an unknown flag exits 2.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ENV_VARIABLES } from '../../lib/config/index.js';
import { ENV_DESCRIPTIONS } from '../../lib/config/help.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

function run(script: string, args: string[]) {
  // a data folder of its own: were the command to start, the store would appear there
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'es-cli-'));
  try {
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', script), ...args], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, EVENTSCOPE_DATA_DIR: dataDir, PORT: '0', EVENTSCOPE_OTLP_HTTP_PORT: '0', EVENTSCOPE_OTLP_GRPC_PORT: '0' },
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, startedStore: fs.readdirSync(dataDir).length > 0 };
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

for (const script of ['start.ts', 'collector.ts']) {
  describe(script, () => {
    it('--help names every variable with its description and default, and exits 0 without starting', () => {
      const r = run(script, ['--help']);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.startedStore, false);
      assert.doesNotMatch(r.stdout, /is running|Eventscope collector:/);
      const lines = r.stdout.split('\n');
      for (const name of Object.keys(ENV_VARIABLES) as (keyof typeof ENV_DESCRIPTIONS)[]) {
        const line = lines.find((l) => l.trimStart().startsWith(`${name} `));
        assert.ok(line, `${name} is listed`);
        assert.ok(line.includes(ENV_DESCRIPTIONS[name]), `${name} has its description`);
      }
      assert.match(r.stdout, /^ {2}PORT +dashboard and JSON API port \(default: 3000\)$/m);
      assert.match(r.stdout, /^ {2}EVENTSCOPE_AUTH_PROXY_TRUSTED_IPS .*\(default: 127\.0\.0\.1,::1,::ffff:127\.0\.0\.1\)$/m);
      assert.match(r.stdout, /^ {2}EVENTSCOPE_DASHBOARD_PASSWORD +turns on the dashboard login page \(at least 8 characters\)$/m);
      assert.match(r.stdout, /--help, -h/);
      assert.equal(run(script, ['-h']).status, 0);
    });

    it('an unknown flag stops with a message and exit code 2', () => {
      const r = run(script, ['--bogus']);
      assert.equal(r.status, 2);
      assert.equal(r.startedStore, false);
      assert.match(r.stderr, /unknown option "--bogus"; see --help/);
    });
  });
}

it('start passes every flag after --demo to the demo, and still knows its own before it', () => {
  const r = run('start.ts', ['--dev', '--bogus', '--demo']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown option "--bogus"/);
});
