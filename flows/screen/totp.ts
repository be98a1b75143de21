/**
 * Time-based one-time passwords (RFC 6238, HMAC-SHA1, 30-second steps), for a PMH login
 * with a second factor. The shared secret comes from the environment, base32-encoded as
 * authenticator apps show it.
 */
import { createHmac } from 'node:crypto';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** Decodes RFC 4648 base32 (spaces, hyphens and padding ignored, any case); null if invalid. */
export function decodeBase32(encoded: string): Buffer | null {
  const clean = encoded.replace(/[\s-]/g, '').replace(/=+$/, '').toUpperCase();
  if (clean.length === 0) return null;
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const char of clean) {
    const index = BASE32.indexOf(char);
    if (index < 0) return null;
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** The HOTP value (RFC 4226) of `counter`. */
export function hotp(key: Buffer, counter: number, digits = 6): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const digest = createHmac('sha1', key).update(message).digest();
  const offset = digest[digest.length - 1]! & 0x0f;
  const code = (digest.readUInt32BE(offset) & 0x7fffffff) % 10 ** digits;
  return String(code).padStart(digits, '0');
}

/** The TOTP code for `atMs` (default now). */
export function totp(key: Buffer, atMs = Date.now(), digits = 6, stepSeconds = 30): string {
  return hotp(key, Math.floor(atMs / 1000 / stepSeconds), digits);
}

/** Milliseconds until the current code expires. */
export function msLeftInStep(atMs = Date.now(), stepSeconds = 30): number {
  const step = stepSeconds * 1000;
  return step - (atMs % step);
}
