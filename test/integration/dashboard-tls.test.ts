// The dashboard over TLS (EVENTSCOPE_TLS_CERT_FILE / KEY_FILE) with a certificate the test makes:
// the handshake succeeds for a client trusting it, plain HTTP gets nothing, the login cookie is Secure.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import https from 'node:https';
import tls from 'node:tls';
import { loadConfig } from '../../lib/config/index.js';
import { startDashboardServer, type WebServer } from '../../lib/web/server.js';
import { makeTestCertificate, type TestCertificate } from '../support/tls.js';

let cert: TestCertificate;
let server: WebServer;
let dataDir: string;

before(async () => {
  cert = await makeTestCertificate();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'es-tls-ui-'));
  const config = loadConfig({
    EVENTSCOPE_DATA_DIR: dataDir,
    PORT: '0',
    EVENTSCOPE_DASHBOARD_PASSWORD: 'tls test password',
    EVENTSCOPE_TLS_CERT_FILE: cert.certFile,
    EVENTSCOPE_TLS_KEY_FILE: cert.keyFile,
  });
  server = await startDashboardServer({ config, handle: (_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('the page') });
});

after(async () => {
  await server?.close();
  cert?.remove();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

function request(method: string, target: string, headers: Record<string, string> = {}, body?: string) {
  const u = new URL(target, server.url);
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
    const req = https.request({ host: u.hostname, port: u.port, path: `${u.pathname}${u.search}`, method, headers, ca: cert.cert }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

it('serves over TLS with the configured certificate, and says https', async () => {
  assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  const socket = tls.connect({ host: '127.0.0.1', port: server.port, ca: cert.cert, servername: 'localhost' });
  await new Promise<void>((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
  assert.equal(socket.authorized, true);
  assert.equal(socket.getPeerCertificate().subject.CN, 'localhost');
  socket.destroy();
  // a client that does not trust the certificate is refused in the handshake
  await assert.rejects(
    new Promise((resolve, reject) => https.get(`${server.url}/login`, resolve).on('error', reject)),
    /self-signed certificate|unable to verify/,
  );
});

it('plain HTTP to the TLS port gets no page', async () => {
  const res = await fetch(server.url.replace('https:', 'http:') + '/login').then(
    (r) => r.status,
    () => 'failed',
  );
  assert.notEqual(res, 200);
});

it('the session cookie is Secure under TLS, and the page loads with it', async () => {
  const res = await request('POST', '/login', { 'content-type': 'application/x-www-form-urlencoded' }, 'password=tls+test+password&next=%2Flag');
  assert.equal(res.status, 303);
  assert.equal(res.headers.location, '/lag');
  const setCookie = String(res.headers['set-cookie']);
  assert.deepEqual(setCookie.split('; ').slice(1).sort(), ['HttpOnly', 'Max-Age=43200', 'Path=/', 'SameSite=Lax', 'Secure']);
  const page = await request('GET', '/lag', { cookie: setCookie.split(';')[0]! });
  assert.equal(page.status, 200);
  assert.equal(page.body, 'the page');
  assert.equal((await request('GET', '/lag')).status, 303);
});
