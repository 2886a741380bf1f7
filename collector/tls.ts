// TLS material for the listeners (EVENTSCOPE_TLS_CERT_FILE / EVENTSCOPE_TLS_KEY_FILE): read and
// checked once at start, so a wrong path or a non-PEM file stops the start with one sentence
// naming the file (a ConfigError, reported by scripts/cli.ts) instead of a TLS stack trace later.
import fs from 'node:fs';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { ConfigError } from '../lib/config/index.js';

export interface TlsMaterial {
  /** PEM certificate chain */
  cert: Buffer;
  /** PEM private key */
  key: Buffer;
}

function read(file: string, variable: string, what: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new ConfigError(`${variable}: cannot read the TLS ${what} file ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

export function readTlsFiles(tls: { certFile: string; keyFile: string }): TlsMaterial {
  const cert = read(tls.certFile, 'EVENTSCOPE_TLS_CERT_FILE', 'certificate');
  const key = read(tls.keyFile, 'EVENTSCOPE_TLS_KEY_FILE', 'key');
  if (!cert.includes('-----BEGIN CERTIFICATE-----')) {
    throw new ConfigError(`EVENTSCOPE_TLS_CERT_FILE: ${tls.certFile} is not a PEM certificate (expected a "-----BEGIN CERTIFICATE-----" block)`);
  }
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (err) {
    throw new ConfigError(`EVENTSCOPE_TLS_CERT_FILE: ${tls.certFile} is not a valid PEM certificate (${(err as Error).message})`);
  }
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key.toString('latin1'))) {
    throw new ConfigError(`EVENTSCOPE_TLS_KEY_FILE: ${tls.keyFile} is not a PEM private key (expected a "-----BEGIN … PRIVATE KEY-----" block)`);
  }
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch (err) {
    throw new ConfigError(`EVENTSCOPE_TLS_KEY_FILE: ${tls.keyFile} is not a usable private key (${(err as Error).message}; an encrypted key is not supported)`);
  }
  if (!x509.checkPrivateKey(privateKey)) {
    throw new ConfigError(`EVENTSCOPE_TLS_KEY_FILE: ${tls.keyFile} is not the key of the certificate in ${tls.certFile}`);
  }
  return { cert, key };
}
