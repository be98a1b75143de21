/**
 * Real certificates for TLS tests, made with the openssl CLI: a CA, a server certificate
 * for localhost / 127.0.0.1 (and any names asked for) signed by it, and an unrelated second CA.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestCertificates {
  /** The CA certificate (PEM file). */
  caFile: string;
  /** The server certificate alone (PEM file). */
  serverFile: string;
  /** The server's private key (PEM text). */
  serverKey: string;
  /** The server certificate (PEM text). */
  serverCert: string;
  /** The server certificate followed by the CA's: the chain a server sends in full. */
  chain: string;
  /** A CA that signed nothing here (PEM file). */
  otherCaFile: string;
}

function openssl(cwd: string, args: string[]): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function makeCa(dir: string, name: string, subject: string): void {
  openssl(dir, [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2',
    '-keyout', `${name}.key`, '-out', `${name}.pem`, '-subj', subject,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
}

/** `names`: host names the server certificate holds besides localhost and 127.0.0.1. */
export function makeTestCertificates(dir: string, names: string[] = []): TestCertificates {
  makeCa(dir, 'ca', '/CN=pmh-bot test LGWAN CA');
  makeCa(dir, 'other-ca', '/CN=pmh-bot unrelated CA');
  openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost']);
  const altNames = ['DNS:localhost', 'IP:127.0.0.1', ...names.map((name) => `DNS:${name}`)].join(',');
  writeFileSync(join(dir, 'server.ext'), `subjectAltName=${altNames}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
  openssl(dir, [
    'x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial',
    '-days', '2', '-extfile', 'server.ext', '-out', 'server.pem',
  ]);
  const serverCert = readFileSync(join(dir, 'server.pem'), 'utf8');
  const ca = readFileSync(join(dir, 'ca.pem'), 'utf8');
  return {
    caFile: join(dir, 'ca.pem'),
    serverFile: join(dir, 'server.pem'),
    serverKey: readFileSync(join(dir, 'server.key'), 'utf8'),
    serverCert,
    chain: serverCert + ca,
    otherCaFile: join(dir, 'other-ca.pem'),
  };
}

/** The base64 SHA-256 of a certificate's public key, computed by openssl (not by the code under test). */
export function opensslSpkiSha256(certFile: string): string {
  const pubkey = execFileSync('openssl', ['x509', '-in', certFile, '-pubkey', '-noout']);
  const der = execFileSync('openssl', ['pkey', '-pubin', '-outform', 'der'], { input: pubkey });
  return execFileSync('openssl', ['dgst', '-sha256', '-binary'], { input: der }).toString('base64');
}
