// A self-signed certificate for 127.0.0.1 and localhost, made per test run (selfsigned, offline),
// written to a temp folder so it can be passed as EVENTSCOPE_TLS_CERT_FILE / EVENTSCOPE_TLS_KEY_FILE.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generate } from 'selfsigned';

export interface TestCertificate {
  certFile: string;
  keyFile: string;
  /** the certificate in PEM: a client trusts it as its CA */
  cert: string;
  key: string;
  dir: string;
  remove(): void;
}

export async function makeTestCertificate(): Promise<TestCertificate> {
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 24 * 3_600_000),
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', digitalSignature: true, keyCertSign: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] },
    ],
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'es-tls-'));
  const certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  fs.writeFileSync(certFile, pems.cert);
  fs.writeFileSync(keyFile, pems.private, { mode: 0o600 });
  return { certFile, keyFile, cert: pems.cert, key: pems.private, dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
