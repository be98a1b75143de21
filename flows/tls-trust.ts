/**
 * Trusting the certificates an LGWAN proxy or PMH presents when the terminal's own trust
 * store does not hold them (`browser.ca_bundle`).
 *
 * Chromium (and Edge, Chrome) take no "extra CA file". What they take is a list of public
 * keys whose certificates are accepted despite errors: --ignore-certificate-errors-spki-list,
 * the base64 SHA-256 of each certificate's SubjectPublicKeyInfo. Chromium compares it with
 * the certificates the server *sends* (its own and the chain it sends with it), so a bundle
 * works when it holds the server's certificate, or a CA certificate the server sends in its
 * chain; a root CA the server does not send is not matched.
 */
import { X509Certificate, createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { checkServerIdentity, rootCertificates, type PeerCertificate, type TLSSocket } from 'node:tls';
import { pmhError } from '../core/errors.ts';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

export interface TrustedCertificate {
  subject: string;
  /** base64 SHA-256 of the SubjectPublicKeyInfo (DER), as Chromium's SPKI list wants it. */
  spkiSha256: string;
  validTo: string;
  /** The certificate as it was in the bundle (PEM). */
  pem: string;
}

/** The base64 SHA-256 of a certificate's SubjectPublicKeyInfo. */
export function spkiFingerprint(certificate: X509Certificate): string {
  const spki = certificate.publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}

/**
 * Every certificate of a PEM bundle. A bundle that cannot be read, holds no certificate
 * or holds one that cannot be parsed is a critical error naming the config key.
 */
export function readCaBundle(file: string, keyPath = 'browser.ca_bundle'): TrustedCertificate[] {
  const invalid = (detail: string, cause?: unknown) => pmhError('CaBundleInvalid', { path: keyPath, file, detail }, cause);
  let text: string;
  try {
    text = readFileSync(file, 'latin1');
  } catch (error) {
    throw invalid((error as NodeJS.ErrnoException).code ?? (error as Error).message, error);
  }
  const blocks = text.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) throw invalid('no PEM certificate (-----BEGIN CERTIFICATE-----) in the file');
  return blocks.map((block, i) => {
    let certificate: X509Certificate;
    try {
      certificate = new X509Certificate(block);
    } catch (error) {
      throw invalid(`certificate ${i + 1} of ${blocks.length} cannot be parsed: ${(error as Error).message}`, error);
    }
    return { subject: certificate.subject.replaceAll('\n', ', '), spkiSha256: spkiFingerprint(certificate), validTo: certificate.validTo, pem: block };
  });
}

/** The Chromium flag that accepts the bundle's certificates. */
export function spkiListFlag(certificates: TrustedCertificate[]): string {
  return `--ignore-certificate-errors-spki-list=${certificates.map((c) => c.spkiSha256).join(',')}`;
}

/** What the bot's own HTTP trusts: Node's CAs and the bundle's, the bundle's public keys, or anything. */
export interface ServerTrust {
  ca: string[] | null;
  pins: Set<string>;
  insecure: boolean;
}

/**
 * `browser.ca_bundle` and `browser.ignore_https_errors` for Node.js, which reads its own list
 * of CAs, never the Windows certificate store: the bundle is added to that list as roots.
 */
export function serverTrust(caBundle: string | undefined, ignoreErrors: boolean): ServerTrust {
  if (!caBundle) return { ca: null, pins: new Set(), insecure: ignoreErrors };
  const bundle = readCaBundle(caBundle);
  return {
    ca: [...rootCertificates, ...bundle.map((certificate) => certificate.pem)],
    pins: new Set(bundle.map((certificate) => certificate.spkiSha256)),
    insecure: ignoreErrors,
  };
}

/** Every certificate the server's chain holds, leaf first. */
function chainOf(socket: TLSSocket): PeerCertificate[] {
  const chain: PeerCertificate[] = [];
  const seen = new Set<string>();
  let certificate: PeerCertificate | undefined = socket.getPeerCertificate(true);
  while (certificate?.raw && !seen.has(certificate.fingerprint256)) {
    seen.add(certificate.fingerprint256);
    chain.push(certificate);
    certificate = (certificate as PeerCertificate & { issuerCertificate?: PeerCertificate }).issuerCertificate;
  }
  return chain;
}

/**
 * Why the server at the other end of `socket` is not trusted for `host`, or null when it is:
 * its chain verifies against `trust.ca`, or (as Chromium's SPKI list works) a certificate it
 * sends has a public key the bundle holds and names `host`.
 */
export function distrust(socket: TLSSocket, host: string, trust: ServerTrust): { code: string; message: string } | null {
  if (trust.insecure || socket.authorized) return null;
  const reason = String(socket.authorizationError ?? 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  const chain = chainOf(socket);
  const pinned = trust.pins.size > 0 && chain.some((certificate) => trust.pins.has(spkiFingerprint(new X509Certificate(certificate.raw))));
  if (!pinned || !chain[0]) return { code: reason, message: reason };
  const identity = checkServerIdentity(host, chain[0]);
  if (!identity) return null;
  // A certificate the bundle pins, for another host: the name is what is wrong.
  const code = String((identity as NodeJS.ErrnoException).code ?? 'ERR_TLS_CERT_ALTNAME_INVALID');
  return { code, message: `${code}: ${identity.message}` };
}
