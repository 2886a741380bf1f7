// TLS on the OTLP listeners (EVENTSCOPE_TLS_CERT_FILE / EVENTSCOPE_TLS_KEY_FILE), with a
// certificate the test makes: real OTel exporters that trust it send spans over TLS and they are
// stored; plain-text clients and clients that do not trust the certificate get nothing in.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { credentials } from '@grpc/grpc-js';
import { ExportResultCode } from '@opentelemetry/core';
import { OTLPTraceExporter as HttpProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { exportWith, recordSpans } from '../support/sdk.js';
import { startTestEventscope, type TestEventscope } from '../support/harness.js';
import { makeTestCertificate, type TestCertificate } from '../support/tls.js';
import { request, span } from '../support/otlp.js';
import { loadConfig, ConfigError } from '../../lib/config/index.js';
import { startCollector } from '../../collector/index.js';
import { readTlsFiles } from '../../collector/tls.js';

let cert: TestCertificate;
let es: TestEventscope;
let httpsUrl: string;
let grpcTarget: string;
before(async () => {
  cert = await makeTestCertificate();
  es = await startTestEventscope({ EVENTSCOPE_TLS_CERT_FILE: cert.certFile, EVENTSCOPE_TLS_KEY_FILE: cert.keyFile });
  httpsUrl = `https://127.0.0.1:${es.collector.httpPort}`;
  grpcTarget = `127.0.0.1:${es.collector.grpcPort}`;
});
after(async () => {
  await es?.close();
  cert?.remove();
});

/** One HTTPS request with node's client (fetch cannot be given a CA). */
function httpsPost(url: string, body: string, ca?: string): Promise<{ status: number; body: string; protocol: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, ca }, (res) => {
      let text = '';
      const protocol = (res.socket as import('node:tls').TLSSocket).getProtocol() ?? '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, protocol }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('OTLP over TLS', () => {
  test('the collector says its listeners speak https', () => {
    assert.equal(es.collector.scheme, 'https');
  });

  test('HTTPS with the test certificate trusted: the handshake completes and the spans are stored', async () => {
    const res = await httpsPost(`${httpsUrl}/v1/traces`, JSON.stringify(request([span({ service: 'tls-https-node', name: 'a', start: Date.now() - 1000 })])), cert.cert);
    assert.equal(res.status, 200, res.body);
    assert.match(res.protocol, /^TLSv1\.[23]$/);
    assert.equal(await es.countSpansOf('tls-https-node'), 1);
  });

  test('real OTLP/HTTP exporter trusting the certificate → stored', async () => {
    const exporter = new HttpProtoExporter({ url: `${httpsUrl}/v1/traces`, httpAgentOptions: { ca: cert.cert } });
    const result = await exportWith(exporter, recordSpans('tls-exporter-http', 3));
    assert.equal(result.code, ExportResultCode.SUCCESS, String(result.error));
    assert.equal(await es.countSpansOf('tls-exporter-http'), 3);
    await exporter.shutdown();
  });

  test('real OTLP/gRPC exporter with TLS credentials → stored', async () => {
    const exporter = new GrpcExporter({ url: `https://${grpcTarget}`, credentials: credentials.createSsl(Buffer.from(cert.cert)) });
    const result = await exportWith(exporter, recordSpans('tls-exporter-grpc', 2));
    assert.equal(result.code, ExportResultCode.SUCCESS, String(result.error));
    assert.equal(await es.countSpansOf('tls-exporter-grpc'), 2);
    await exporter.shutdown();
  });

  test('plain HTTP to the TLS port fails, and so does a client that does not trust the certificate', async () => {
    const body = JSON.stringify(request([span({ service: 'tls-plain', name: 'a', start: Date.now() - 1000 })]));
    let plain: unknown;
    try {
      const res = await fetch(`http://127.0.0.1:${es.collector.httpPort}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      plain = res.status; // an HTTPS server may answer plain text with a 400; never with a 200
      assert.notEqual(res.status, 200);
    } catch (err) {
      plain = err;
    }
    assert.ok(plain !== undefined);
    await assert.rejects(httpsPost(`${httpsUrl}/v1/traces`, body), /self[- ]signed|unable to verify|certificate/i);
    const insecure = await exportWith(new GrpcExporter({ url: `http://${grpcTarget}`, credentials: credentials.createInsecure() }), recordSpans('tls-plain', 1));
    assert.equal(insecure.code, ExportResultCode.FAILED);
    assert.equal(await es.countSpansOf('tls-plain'), 0);
  });
});

describe('TLS files checked at start', () => {
  const config = (certFile: string, keyFile: string) =>
    loadConfig({ EVENTSCOPE_DATA_DIR: cert.dir, EVENTSCOPE_OTLP_HTTP_PORT: '0', EVENTSCOPE_OTLP_GRPC_PORT: '0', EVENTSCOPE_TLS_CERT_FILE: certFile, EVENTSCOPE_TLS_KEY_FILE: keyFile });

  test('a missing, non-PEM or mismatched file is a ConfigError naming the variable and the file', async () => {
    const missing = path.join(cert.dir, 'nope.pem');
    const notPem = path.join(cert.dir, 'not-pem.txt');
    fs.writeFileSync(notPem, 'hello');
    const other = await makeTestCertificate();
    try {
      const cases: Array<[string, string, RegExp]> = [
        [missing, cert.keyFile, /EVENTSCOPE_TLS_CERT_FILE: cannot read .*nope\.pem \(ENOENT\)/],
        [cert.certFile, missing, /EVENTSCOPE_TLS_KEY_FILE: cannot read .*nope\.pem/],
        [notPem, cert.keyFile, /EVENTSCOPE_TLS_CERT_FILE: .*not-pem\.txt is not a PEM certificate/],
        [cert.certFile, notPem, /EVENTSCOPE_TLS_KEY_FILE: .*not-pem\.txt is not a PEM private key/],
        [cert.keyFile, cert.keyFile, /EVENTSCOPE_TLS_CERT_FILE: .*key\.pem is not a PEM certificate/],
        [cert.certFile, other.keyFile, /EVENTSCOPE_TLS_KEY_FILE: .*key\.pem is not the key of the certificate/],
      ];
      for (const [c, k, message] of cases) {
        const tls = config(c, k).tls!;
        assert.throws(() => readTlsFiles(tls), (err: Error) => err instanceof ConfigError && message.test(err.message), `${c} / ${k}`);
      }
      // the collector refuses to start (before listening) with the same message
      const store = { prepareSpans: () => { throw new Error('unused'); }, commitSpans: async () => {} };
      await assert.rejects(startCollector({ store: store as never, config: config(missing, cert.keyFile), log: () => {} }), ConfigError);
    } finally {
      other.remove();
    }
  });
});
