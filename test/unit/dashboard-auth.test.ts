// Pure parts of the dashboard's access control: session cookies, the post-login path, surfaces,
// the exposure warning at start.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseCookies, sessionCodec, sessionCookie, sessionSecret } from '../../lib/auth/session.js';
import { safeNextPath, surfaceOf } from '../../lib/web/access.js';
import { exposureWarning, isLoopbackHost } from '../../lib/auth/exposure.js';
import { loadConfig } from '../../lib/config/index.js';

describe('session cookies', () => {
  const codec = sessionCodec('s'.repeat(32), 60_000, 'password one');

  it('verify what was issued until it expires', () => {
    const { value, session } = codec.issue('dashboard', 1_000);
    assert.deepEqual(codec.verify(value, 1_001), { user: 'dashboard', expiresAt: 61_000 });
    assert.equal(session.expiresAt, 61_000);
    assert.equal(codec.verify(value, 61_000), undefined);
  });

  it('refuse a changed payload, another secret, a changed password, garbage', () => {
    const { value } = codec.issue('dashboard', 0);
    const [payload, mac] = value.split('.');
    const other = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), e: 9e15 })).toString('base64url');
    assert.equal(codec.verify(`${other}.${mac}`, 1), undefined);
    assert.equal(sessionCodec('t'.repeat(32), 60_000, 'password one').verify(value, 1), undefined);
    assert.equal(sessionCodec('s'.repeat(32), 60_000, 'password two').verify(value, 1), undefined);
    for (const junk of [undefined, '', '.', 'abc', `${payload}.`, `${payload}.AAAA`, 'x'.repeat(5000)]) assert.equal(codec.verify(junk, 1), undefined);
  });

  it('a revoked session stops verifying; others stay', () => {
    const a = codec.issue('dashboard', 0).value;
    const b = codec.issue('dashboard', 0).value;
    assert.notEqual(a, b);
    codec.revoke(a, 1);
    assert.equal(codec.verify(a, 2), undefined);
    assert.ok(codec.verify(b, 2));
  });

  it('the cookie attributes', () => {
    assert.equal(sessionCookie('v', { secure: true, maxAgeMs: 3_600_000 }), 'eventscope_session=v; Path=/; HttpOnly; SameSite=Lax; Max-Age=3600; Secure');
    assert.equal(sessionCookie(undefined, { secure: false, maxAgeMs: 0 }), 'eventscope_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0');
    assert.deepEqual([...parseCookies('a=1; eventscope_session=x.y; a=2')], [['a', '1'], ['eventscope_session', 'x.y']]);
  });

  it('the generated secret is kept in the data folder, readable by the owner only', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'es-secret-'));
    try {
      const first = sessionSecret(undefined, dir);
      const file = path.join(dir, 'session-secret');
      assert.equal(fs.statSync(file).mode & 0o777, 0o600);
      assert.ok(first.length >= 32);
      fs.chmodSync(file, 0o644);
      assert.equal(sessionSecret(undefined, dir), first);
      assert.equal(fs.statSync(file).mode & 0o777, 0o600);
      assert.equal(sessionSecret('c'.repeat(32), dir), 'c'.repeat(32));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('where to go after login', () => {
  const cases: Array<[string | null, string]> = [
    [null, '/'],
    ['/requests?range=1h', '/requests?range=1h'],
    ['/requests/abc?x=1&_rsc=9', '/requests/abc?x=1'],
    ['//evil.example', '/'],
    ['/\\evil.example', '/'],
    ['https://evil.example/', '/'],
    ['javascript:alert(1)', '/'],
    ['/%0d%0aSet-Cookie:x=1', '/%0d%0aSet-Cookie:x=1'], // stays a path on this site, escaped
    ['/a\nb', '/'],
    ['/login', '/'],
    ['/logout', '/'],
    ['requests', '/'],
  ];
  for (const [raw, expected] of cases) it(JSON.stringify(raw), () => assert.equal(safeNextPath(raw), expected));
});

describe('surfaces', () => {
  it('only plain build asset paths are public', () => {
    assert.equal(surfaceOf('/_next/static/css/app.css', '/_next/static/css/app.css'), 'public');
    assert.equal(surfaceOf('/_next/static/chunks/app/requests/%5BtraceId%5D/page-1.js', '/_next/static/chunks/app/requests/%5BtraceId%5D/page-1.js'), 'public');
    assert.equal(surfaceOf('/_next/static/%2e%2e/x', '/_next/x'), 'page');
    assert.equal(surfaceOf('/_next/static/a%2fb.js', '/_next/static/a%2fb.js'), 'page');
    assert.equal(surfaceOf('/_next/webpack-hmr', '/_next/webpack-hmr'), 'page');
    assert.equal(surfaceOf('/api/health', '/api/health'), 'api');
    assert.equal(surfaceOf('/metrics', '/metrics'), 'metrics');
    assert.equal(surfaceOf('/login', '/login'), 'login');
  });
});

describe('the exposure warning', () => {
  const config = (env: Record<string, string>) => loadConfig({ EVENTSCOPE_DATA_DIR: os.tmpdir(), ...env });

  it('names every variable to set when nothing is protected beyond loopback', () => {
    const w = exposureWarning(config({ EVENTSCOPE_HOST: '0.0.0.0' }), true) ?? '';
    for (const v of ['EVENTSCOPE_INGEST_TOKENS', 'EVENTSCOPE_DASHBOARD_PASSWORD', 'EVENTSCOPE_API_TOKENS', 'EVENTSCOPE_TLS_CERT_FILE', 'EVENTSCOPE_TLS_KEY_FILE']) {
      assert.ok(w.includes(v), v);
    }
    assert.match(w, /^WARNING: Eventscope listens on 0\.0\.0\.0, beyond this machine, without authentication: anyone who can reach it can send spans \(OTLP\) and read every trace/);
  });

  it('says nothing on loopback or when both sides are protected', () => {
    assert.equal(exposureWarning(config({}), true), undefined);
    assert.equal(exposureWarning(config({ EVENTSCOPE_HOST: '::1' }), true), undefined);
    const both = { EVENTSCOPE_HOST: '0.0.0.0', EVENTSCOPE_INGEST_TOKENS: 'shop:0123456789abcdef', EVENTSCOPE_DASHBOARD_PASSWORD: 'longenough' };
    assert.equal(exposureWarning(config(both), true), undefined);
    assert.ok(isLoopbackHost('127.0.0.2') && isLoopbackHost('localhost') && !isLoopbackHost('10.0.0.1') && !isLoopbackHost('::'));
  });

  it('names the open side when only one is protected', () => {
    const w = exposureWarning(config({ EVENTSCOPE_HOST: '10.0.0.5', EVENTSCOPE_INGEST_TOKENS: 'shop:0123456789abcdef' }), true) ?? '';
    assert.match(w, /can read every trace/);
    assert.doesNotMatch(w, /EVENTSCOPE_INGEST_TOKENS/);
    assert.equal(exposureWarning(config({ EVENTSCOPE_HOST: '10.0.0.5', EVENTSCOPE_INGEST_TOKENS: 'shop:0123456789abcdef' }), false), undefined);
  });
});
