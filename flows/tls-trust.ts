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
