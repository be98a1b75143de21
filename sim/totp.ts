// The simulator's own TOTP (RFC 6238 over RFC 4226 HOTP, HMAC-SHA1), written from the RFCs
// and kept apart from the bot's so the two cannot agree by construction.

import { createHmac } from 'node:crypto';

const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const STEP_SECONDS = 30;
const DIGITS = 6;

/** RFC 4648 base32 without padding (case-insensitive); throws on any other character. */
export function base32Decode(text: string): Buffer {
  const bytes: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const ch of text.toUpperCase()) {
    const value = BASE32_ALPHABET.indexOf(ch);
    if (value < 0) throw new Error(`not a base32 character: ${JSON.stringify(ch)}`);
    buffer = ((buffer << 5) | value) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((buffer >> bits) & 0xff);
    }
  }
  if (bytes.length === 0) throw new Error('a base32 secret must not be empty');
  return Buffer.from(bytes);
}

/** RFC 4226: the HOTP value of `counter`, zero-padded to `digits`. */
export function hotp(key: Buffer, counter: number, digits = DIGITS): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac('sha1', key).update(message).digest();
  const offset = (mac[mac.length - 1] ?? 0) & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, '0');
}

/** RFC 6238: the code at `timeMs` (30-second steps from the Unix epoch). */
export function totp(key: Buffer, timeMs: number, digits = DIGITS): string {
  return hotp(key, Math.floor(timeMs / 1000 / STEP_SECONDS), digits);
}

/** Accepts the code of the previous, current or next step, to allow for clock drift. */
export function verifyTotp(secretBase32: string, code: string, nowMs = Date.now()): boolean {
  if (!/^\d{6}$/.test(code)) return false;
  const key = base32Decode(secretBase32);
  const step = Math.floor(nowMs / 1000 / STEP_SECONDS);
  return [step - 1, step, step + 1].some((s) => s >= 0 && hotp(key, s) === code);
}
