/**
 * Reads the elements of a JSON array file one by one, as the bytes they were written in,
 * without ever holding the whole file: an upload file can hold a million records.
 * Only the array's structure is scanned (brackets, braces, strings); each element is
 * handed over untouched, so what is sent is byte for byte what the bot wrote and validated.
 */
import { createReadStream } from 'node:fs';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const COMMA = 0x2c;

function isSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

export class JsonArrayFormatError extends Error {
  override readonly name = 'JsonArrayFormatError';
}

/** Yields each element (an object or array) of the top-level array in `path`, in order. */
export async function* jsonArrayElements(path: string): AsyncGenerator<Buffer> {
  let depth = 0;
  let inString = false;
  let escaped = false;
  let closed = false;
  let parts: Buffer[] = [];
  let offset = 0;
  for await (const data of createReadStream(path, { highWaterMark: 1 << 20 })) {
    const chunk = data as Buffer;
    // Where the element being collected starts in this chunk (0 when it began in an earlier one).
    let from = depth >= 2 ? 0 : -1;
    for (let i = 0; i < chunk.length; i += 1) {
      const byte = chunk[i]!;
      if (inString) {
        if (escaped) escaped = false;
        else if (byte === BACKSLASH) escaped = true;
        else if (byte === QUOTE) inString = false;
        continue;
      }
      if (depth === 0) {
        if (isSpace(byte)) continue;
        if (byte === OPEN_ARRAY && !closed) {
          depth = 1;
          continue;
        }
        throw new JsonArrayFormatError(`${path}: byte ${offset + i}: not a single JSON array`);
      }
      if (depth === 1) {
        if (isSpace(byte) || byte === COMMA) continue;
        if (byte === CLOSE_ARRAY) {
          depth = 0;
          closed = true;
          continue;
        }
        if (byte !== OPEN_OBJECT && byte !== OPEN_ARRAY) throw new JsonArrayFormatError(`${path}: byte ${offset + i}: an element that is not an object`);
        from = i;
        depth = 2;
        continue;
      }
      if (byte === QUOTE) inString = true;
      else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) depth += 1;
      else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) {
        depth -= 1;
        if (depth === 1) {
          parts.push(chunk.subarray(from, i + 1));
          const element = parts.length === 1 ? Buffer.from(parts[0]!) : Buffer.concat(parts);
          parts = [];
          from = -1;
          yield element;
        }
      }
    }
    if (from >= 0) parts.push(chunk.subarray(from));
    offset += chunk.length;
  }
  if (!closed || depth !== 0) throw new JsonArrayFormatError(`${path}: the JSON array is not complete`);
}
