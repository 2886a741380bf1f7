// Server mode against a real ClickHouse server (Debian's clickhouse-server, started here on free
// ports with a throwaway data folder). A server older than the schema needs must be refused at
// start with one sentence naming the minimum version; a new enough one must take the migrations
// and store spans. Skips, saying so, when no clickhouse-server binary is installed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { compareVersions, MIN_CLICKHOUSE_VERSION } from '../../lib/store/version.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BINARY = '/usr/sbin/clickhouse-server';
const USERS = '/etc/clickhouse-server/users.xml';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

let server: ChildProcess | undefined;
let dir = '';
let url = '';
let version = '';

before(async () => {
  if (!fs.existsSync(BINARY) || !fs.existsSync(USERS)) return;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'es-chserver-'));
  const [http, tcp] = [await freePort(), await freePort()];
  fs.writeFileSync(
    path.join(dir, 'config.xml'),
    `<?xml version="1.0"?>
<yandex>
  <logger><level>error</level><console>1</console></logger>
  <http_port>${http}</http_port>
  <tcp_port>${tcp}</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <path>${dir}/data/</path>
  <tmp_path>${dir}/tmp/</tmp_path>
  <user_files_path>${dir}/user_files/</user_files_path>
  <users_config>${USERS}</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>268435456</mark_cache_size>
</yandex>
`,
  );
  server = spawn(BINARY, [`--config-file=${path.join(dir, 'config.xml')}`], { stdio: 'ignore' });
  url = `http://127.0.0.1:${http}`;
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${url}/?query=${encodeURIComponent('SELECT version()')}`);
      if (res.ok) {
        version = (await res.text()).trim();
        break;
      }
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
});

after(async () => {
  server?.kill('SIGTERM');
  if (server && server.exitCode === null) await new Promise((r) => server!.once('exit', r));
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

function runCollector(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string; child: ChildProcess }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/collector.ts'], {
      cwd: ROOT,
      env: { ...process.env, EVENTSCOPE_OTLP_HTTP_PORT: '0', EVENTSCOPE_OTLP_GRPC_PORT: '0', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
      if (stdout.includes('OTLP/HTTP')) resolve({ code: null, stdout, stderr, child });
    });
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr, child }));
  });
}

test('CLICKHOUSE_URL: an old server is refused with the minimum version; a new one is used', async (t) => {
  if (!server) return t.skip(`no ClickHouse server binary at ${BINARY} (apt-get install clickhouse-server to run this test)`);
  assert.ok(version, 'the server answered');
  const run = await runCollector({ CLICKHOUSE_URL: url, CLICKHOUSE_DATABASE: 'eventscope_test' });
  if (compareVersions(version, MIN_CLICKHOUSE_VERSION) < 0) {
    assert.equal(run.code, 2);
    assert.equal(run.stdout, '');
    assert.equal(run.stderr.trim(), `ClickHouse ${version} is too old for Eventscope: the schema needs ClickHouse ${MIN_CLICKHOUSE_VERSION} or newer.`);
    // Nothing was created on the refused server.
    const dbs = await (await fetch(`${url}/?query=${encodeURIComponent('SHOW DATABASES')}`)).text();
    assert.doesNotMatch(dbs, /eventscope_test/);
  } else {
    // A supported server: the collector starts, migrates and stores what it acknowledges.
    assert.equal(run.code, null, run.stderr);
    const httpUrl = /OTLP\/HTTP (\S+)\/v1\/traces/.exec(run.stdout)![1]!;
    const { clock, request } = await import('../support/otlp.js');
    const c = clock();
    const res = await fetch(`${httpUrl}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request([c.span({ service: 'server-mode', name: 'op' })])),
    });
    assert.equal(res.status, 200);
    const count = await (await fetch(`${url}/?query=${encodeURIComponent("SELECT count() FROM eventscope_test.spans WHERE service_name = 'server-mode'")}`)).text();
    assert.equal(count.trim(), '1');
    // its resource was stored once, before it
    const resources = await (await fetch(`${url}/?query=${encodeURIComponent("SELECT count() FROM eventscope_test.resources WHERE service_name = 'server-mode'")}`)).text();
    assert.equal(resources.trim(), '1');
    run.child.kill('SIGTERM');
  }
  assert.equal(await runCollector({ CLICKHOUSE_URL: 'http://127.0.0.1:1' }).then((r) => r.code), 2, 'an unreachable server is a clean exit too');
});
