// The dashboard's gate (lib/web/server.ts) in front of a stand-in for Next.js: pages echo what the
// gate told them, /api/* runs the real handlers on a real chDB store. Login, sessions, API tokens,
// the trusted auth proxy, /metrics, security headers, and what is public.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { loadConfig, type Config } from '../../lib/config/index.js';
import { startDashboardServer, startMetricsServer, type RequestHandler, type WebServer } from '../../lib/web/server.js';
import { matchRoute } from '../../lib/api/routes.js';
import { runHandler } from '../../lib/api/http.js';
import { getStore } from '../../lib/runtime.js';
import { metricTotal } from '../support/metrics.js';
import { startTestEventscope, type TestEventscope } from '../support/harness.js';

const PASSWORD = 'correct horse battery';
const API_TOKEN = 'ci-token-0123456789abcdef';

/** Next.js's place: pages answer what the gate passed on; /api/* runs the real route table. */
const standIn =
  (config: Config): RequestHandler =>
  async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const match = url.pathname.startsWith('/api/') ? matchRoute(url.pathname) : undefined;
    if (match) {
      const { handler } = await match.route.load();
      const r = await runHandler(handler, { store: await getStore(), url, params: match.params, now: new Date(), config });
      res.writeHead(r.status, { 'content-type': 'application/json' }).end(JSON.stringify(r.body));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        page: url.pathname,
        user: req.headers['x-eventscope-user'] ?? null,
        via: req.headers['x-eventscope-auth'] ?? null,
        csp: req.headers['content-security-policy'] ?? null,
      }),
    );
  };

let es: TestEventscope;
const servers: WebServer[] = [];
let clockMs = Date.now();

function configWith(env: Record<string, string>): Config {
  return loadConfig({ EVENTSCOPE_DATA_DIR: es.dataDir, PORT: '0', ...env });
}

async function serve(env: Record<string, string>, loginLimits = { failureDelayMs: 5, maxFailures: 3 }): Promise<string> {
  const config = configWith(env);
  const s = await startDashboardServer({ config, handle: standIn(config), loginLimits, now: () => clockMs });
  servers.push(s);
  return s.url;
}

const AUTH_ENV = {
  EVENTSCOPE_DASHBOARD_PASSWORD: PASSWORD,
  EVENTSCOPE_API_TOKENS: `ci:${API_TOKEN}`,
  EVENTSCOPE_AUTH_PROXY_HEADER: 'X-Webauth-User',
  EVENTSCOPE_AUTH_PROXY_TRUSTED_IPS: '127.0.0.1',
};

let base: string; // password + API tokens + proxy trusted from 127.0.0.1
let untrustedProxyBase: string; // the proxy trusted only from an address the test is not
let openBase: string; // no dashboard authentication at all

before(async () => {
  es = await startTestEventscope();
  base = await serve(AUTH_ENV);
  untrustedProxyBase = await serve({ ...AUTH_ENV, EVENTSCOPE_AUTH_PROXY_TRUSTED_IPS: '10.1.2.3' });
  openBase = await serve({});
});

after(async () => {
  for (const s of servers) await s.close();
  await es?.close();
});

const get = (url: string, headers: Record<string, string> = {}) => fetch(url, { headers, redirect: 'manual' });

function postLogin(password: string, next = '/', headers: Record<string, string> = {}, at = base) {
  return fetch(`${at}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams({ password, next }).toString(),
  });
}

async function login(at = base): Promise<string> {
  const res = await postLogin(PASSWORD, '/', {}, at);
  assert.equal(res.status, 303);
  const cookie = res.headers.get('set-cookie') ?? '';
  return cookie.split(';')[0]!;
}

/** A request with the target sent exactly as written (fetch would normalize `..` and escapes). */
function rawGet(baseUrl: string, target: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const u = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path: target, headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('pages', () => {
  it('a page without a session is sent to the login page, keeping where the user wanted to go', async () => {
    const failures = await metricTotal('authFailures', { surface: 'page' });
    const res = await get(`${base}/requests?range=1h`);
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), `/login?next=${encodeURIComponent('/requests?range=1h')}`);
    assert.equal(await metricTotal('authFailures', { surface: 'page' }), failures + 1);
  });

  it('the login page says what it is for and asks for the password, without a session', async () => {
    const res = await get(`${base}/login?next=%2Flag`);
    assert.equal(res.status, 200);
    const html = await res.text();
    assert.match(html, /Sign in to Eventscope/);
    assert.match(html, /dashboard password/i);
    assert.match(html, /<input id="password" name="password" type="password"/);
    assert.match(html, /<input type="hidden" name="next" value="\/lag">/);
  });

  it('a wrong password shows an error and sets no cookie', async () => {
    const failures = await metricTotal('authFailures', { surface: 'login' });
    const res = await postLogin('not the password', '/lag', {}, untrustedProxyBase);
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('set-cookie'), null);
    assert.match(await res.text(), /data-testid="login-error">Wrong password\. Try again\.</);
    assert.equal(await metricTotal('authFailures', { surface: 'login' }), failures + 1);
  });

  it('the right password sets an HttpOnly, SameSite session cookie and goes on to the page asked for', async () => {
    const res = await postLogin(PASSWORD, '/requests?range=1h');
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/requests?range=1h');
    const setCookie = res.headers.get('set-cookie') ?? '';
    assert.match(setCookie, /^eventscope_session=[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+; /);
    const attrs = setCookie.split('; ').slice(1);
    assert.deepEqual(attrs.sort(), ['HttpOnly', 'Max-Age=43200', 'Path=/', 'SameSite=Lax']); // no Secure over plain HTTP
    const page = await get(`${base}/requests?range=1h`, { cookie: setCookie.split(';')[0]! });
    assert.equal(page.status, 200);
    assert.deepEqual(await page.json().then((b: any) => [b.page, b.via, b.user]), ['/requests', 'session', 'dashboard']);
  });

  it('a forged or expired cookie is no session', async () => {
    const cookie = await login();
    const [name, value] = cookie.split('=') as [string, string];
    const [payload, mac] = value.split('.') as [string, string];
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), u: 'admin' })).toString('base64url');
    assert.equal((await get(`${base}/`, { cookie: `${name}=${forged}.${mac}` })).status, 303);
    assert.equal((await get(`${base}/`, { cookie })).status, 200);
    clockMs += 12 * 3_600_000 + 1_000; // past EVENTSCOPE_SESSION_HOURS (12)
    try {
      assert.equal((await get(`${base}/`, { cookie })).status, 303);
    } finally {
      clockMs = Date.now();
    }
  });

  it('logout clears the cookie and ends the session even for a copy of it', async () => {
    const cookie = await login();
    const res = await fetch(`${base}/logout`, { method: 'POST', redirect: 'manual', headers: { cookie } });
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/login');
    assert.match(res.headers.get('set-cookie') ?? '', /^eventscope_session=; Path=\/; HttpOnly; SameSite=Lax; Max-Age=0$/);
    assert.equal((await get(`${base}/`, { cookie })).status, 303);
  });

  it('the place to go after login stays on this site', async () => {
    for (const [next, expected] of [
      ['//evil.example/x', '/'],
      ['https://evil.example/', '/'],
      ['/\\evil.example', '/'],
      ['/login?next=/x', '/'],
      ['/requests/abc?range=1h&_rsc=123', '/requests/abc?range=1h'],
    ]) {
      const res = await postLogin(PASSWORD, next!);
      assert.equal(res.headers.get('location'), expected, next);
    }
  });

  it('a login form posted from another site is refused', async () => {
    const res = await postLogin(PASSWORD, '/', { 'sec-fetch-site': 'cross-site' });
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('set-cookie'), null);
  });

  it('after too many wrong passwords an address is refused for a while, even with the right one', async () => {
    const at = await serve(AUTH_ENV, { failureDelayMs: 5, maxFailures: 3 });
    for (let i = 0; i < 3; i++) assert.equal((await postLogin('wrong password', '/', {}, at)).status, 401);
    const res = await postLogin(PASSWORD, '/', {}, at);
    assert.equal(res.status, 429);
    assert.equal(res.headers.get('set-cookie'), null);
    assert.equal(res.headers.get('retry-after'), String(15 * 60));
    assert.match(await res.text(), /Too many wrong passwords from your address\. Try again in 15 minutes\./);
  });

  it('headers naming the user are the gate’s, never the client’s', async () => {
    const cookie = await login();
    const res = await get(`${base}/`, { cookie, 'x-eventscope-user': 'mallory', 'x-eventscope-auth': 'proxy' });
    assert.deepEqual(await res.json().then((b: any) => [b.user, b.via]), ['dashboard', 'session']);
    const anon = await get(`${base}/`, { 'x-eventscope-user': 'mallory', 'x-eventscope-auth': 'session' });
    assert.equal(anon.status, 303);
  });
});

describe('what needs no session', () => {
  it('build assets and the icon load without a session; the data requests of pages do not', async () => {
    assert.equal((await rawGet(base, '/_next/static/chunks/main-app-838e4839dfd273e4.js')).status, 200);
    assert.equal((await rawGet(base, '/_next/static/chunks/app/requests/%5BtraceId%5D/page-1.js')).status, 200);
    assert.equal((await rawGet(base, '/icon.svg')).status, 200);
    // paths that only look like assets, RSC fetches and Next's other routes need a session
    for (const target of ['/_next/static/../../requests', '/_next/static/%2e%2e/%2e%2e/requests', '/_next/static/', '/_next/image?url=%2Fx&w=64&q=75', '/_next/data/x/requests.json']) {
      assert.equal((await rawGet(base, target)).status, 303, target);
    }
    assert.equal((await rawGet(base, '/requests?_rsc=abc', { rsc: '1' })).status, 303);
    assert.equal((await rawGet(base, '/api/../requests')).status, 303);
  });
});

describe('API and /metrics', () => {
  it('without a token: 401 with a JSON error', async () => {
    const failures = await metricTotal('authFailures', { surface: 'api' });
    const res = await get(`${base}/api/health`);
    assert.equal(res.status, 401);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="eventscope"');
    assert.match(((await res.json()) as { error: string }).error, /^authentication required: send Authorization: Bearer <API token>/);
    assert.equal(await metricTotal('authFailures', { surface: 'api' }), failures + 1);
  });

  it('with a right token: 200; a wrong one: 401', async () => {
    const ok = await get(`${base}/api/health`, { authorization: `Bearer ${API_TOKEN}` });
    assert.equal(ok.status, 200);
    assert.equal(((await ok.json()) as { store: { mode: string } }).store.mode, 'embedded');
    const wrong = await get(`${base}/api/health`, { authorization: `Bearer ${API_TOKEN.slice(0, -1)}x` });
    assert.equal(wrong.status, 401);
    assert.deepEqual(await wrong.json(), { error: 'invalid API token' });
    // a wrong token is an error even next to a valid session cookie
    const cookie = await login();
    assert.equal((await get(`${base}/api/health`, { authorization: 'Bearer nope', cookie })).status, 401);
    assert.equal((await get(`${base}/api/health`, { cookie })).status, 200);
  });

  it('an API token opens no pages', async () => {
    assert.equal((await get(`${base}/requests`, { authorization: `Bearer ${API_TOKEN}` })).status, 303);
  });

  it('/metrics needs the same credentials, and its API latency count moves with the requests sent', async () => {
    assert.equal((await get(`${base}/metrics`)).status, 401);
    const scrape = async () => {
      const res = await get(`${base}/metrics`, { authorization: `Bearer ${API_TOKEN}` });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
      return res.text();
    };
    const count = (text: string, route: string, status: string) => {
      const line = text.split('\n').find((l) => l.startsWith('eventscope_api_request_duration_seconds_count{') && l.includes(`route="${route}"`) && l.includes(`status="${status}"`));
      return line ? Number(line.split(' ').at(-1)) : 0;
    };
    const before = await scrape();
    for (let i = 0; i < 3; i++) await get(`${base}/api/topology?from=now-5m`, { authorization: `Bearer ${API_TOKEN}` });
    await get(`${base}/api/lag?step=99x`, { authorization: `Bearer ${API_TOKEN}` });
    await get(`${base}/api/requests/abc`);
    const expected = [count(before, '/api/topology', '200') + 3, count(before, '/api/lag', '400') + 1, count(before, '/api/requests/:traceId', '401') + 1];
    // a request is observed when its response has finished, which may be just after the client has it
    let afterText = '';
    let seen: number[] = [];
    for (const deadline = Date.now() + 5_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 20))) {
      afterText = await scrape();
      seen = [count(afterText, '/api/topology', '200'), count(afterText, '/api/lag', '400'), count(afterText, '/api/requests/:traceId', '401')];
      if (seen.every((n, i) => n >= expected[i]!)) break;
    }
    assert.deepEqual(seen, expected);
    assert.match(afterText, /^eventscope_auth_failures_total\{surface="api",service="eventscope"\} \d+$/m);
  });

  it('on its own port /metrics answers without credentials (and nothing else is served there)', async () => {
    const config = configWith({ ...AUTH_ENV, EVENTSCOPE_METRICS_PORT: '0' });
    const m = (await startMetricsServer(config))!;
    servers.push(m);
    assert.match(m.url, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const res = await get(m.url);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /eventscope_spans_received_total/);
    assert.equal((await get(m.url.replace('/metrics', '/api/health'))).status, 404);
    assert.equal(await startMetricsServer(configWith({})), undefined);
  });
});

describe('trusted auth proxy', () => {
  it('the proxy header from a trusted address lets the user in, named', async () => {
    const res = await get(`${base}/lag`, { 'x-webauth-user': 'ada@example.com' });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json().then((b: any) => [b.via, b.user]), ['proxy', encodeURIComponent('ada@example.com')]);
    assert.equal((await get(`${base}/api/health`, { 'x-webauth-user': 'ada@example.com' })).status, 200);
  });

  it('the same header from an untrusted address is ignored', async () => {
    assert.equal((await get(`${untrustedProxyBase}/lag`, { 'x-webauth-user': 'ada@example.com' })).status, 303);
    assert.equal((await get(`${untrustedProxyBase}/api/health`, { 'x-webauth-user': 'ada@example.com' })).status, 401);
  });
});

describe('security headers', () => {
  const check = (res: { headers: { get(n: string): string | null } }, what: string) => {
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self' 'nonce-[A-Za-z0-9+/=]{24}' 'strict-dynamic'(;|$)/, what);
    assert.match(csp, /frame-ancestors 'none'/, what);
    assert.match(csp, /object-src 'none'/, what);
    assert.doesNotMatch(csp, /script-src[^;]*'unsafe-inline'/, what);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff', what);
    assert.equal(res.headers.get('referrer-policy'), 'same-origin', what);
    assert.equal(res.headers.get('x-frame-options'), 'DENY', what);
  };

  it('on pages, the API, 401s, the login page and assets — and the app gets the nonce it must use', async () => {
    const cookie = await login();
    const page = await get(`${base}/`, { cookie });
    check(page, 'page');
    const nonce = /'nonce-([^']+)'/.exec(page.headers.get('content-security-policy')!)![1];
    assert.equal(/'nonce-([^']+)'/.exec(((await page.json()) as { csp: string }).csp)![1], nonce);
    const again = await get(`${base}/`, { cookie });
    assert.notEqual(/'nonce-([^']+)'/.exec(again.headers.get('content-security-policy')!)![1], nonce, 'a nonce per request');
    check(await get(`${base}/api/health`, { authorization: `Bearer ${API_TOKEN}` }), 'api');
    check(await get(`${base}/api/health`), '401');
    check(await get(`${base}/login`), 'login');
    check(await get(`${base}/requests`), 'redirect');
    check(await get(`${openBase}/api/health`), 'open api');
    check(await rawGet(base, '/_next/static/chunks/a.js').then((r) => ({ headers: { get: (n: string) => (r.headers[n] as string) ?? null } })), 'asset');
  });
});

describe('with no dashboard authentication configured', () => {
  it('pages, the API and /metrics stay open, as before', async () => {
    assert.equal((await get(`${openBase}/requests`)).status, 200);
    assert.equal((await get(`${openBase}/api/health`)).status, 200);
    assert.equal((await get(`${openBase}/metrics`)).status, 200);
  });
});
