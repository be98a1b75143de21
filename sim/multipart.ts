// Reads the upload form (multipart/form-data). Each file goes straight to disk while its
// SHA-256 and size are computed on the way: files can be hundreds of MB.

import busboy from 'busboy';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface ReceivedFile {
  fileName: string;
  path: string;
  bytes: number;
  sha256: string;
}

export interface UploadForm {
  fields: Map<string, string>;
  /** In the order sent; empty when the form had no file part or the user chose no file. */
  files: ReceivedFile[];
  /** More files were sent than MAX_FILES; the rest were not saved. */
  tooManyFiles: boolean;
}

export const MAX_FILES = 20;

export class NotMultipartError extends Error {}

/** Parses the form; the file parts named `fileField` are saved under `directory`. */
export function readUploadForm(req: IncomingMessage, directory: string, fileField: string): Promise<UploadForm> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: req.headers,
        defParamCharset: 'utf8', // browsers send the file name as raw UTF-8
        limits: { files: MAX_FILES, fields: 20, fieldSize: 4096 },
      });
    } catch {
      req.resume();
      reject(new NotMultipartError('not multipart/form-data'));
      return;
    }

    const fields = new Map<string, string>();
    const saving: Promise<ReceivedFile>[] = [];
    let tooManyFiles = false;

    parser.on('field', (name, value) => fields.set(name, value));
    parser.on('file', (name, stream, info) => {
      const fileName = info.filename ?? '';
      if (name !== fileField || fileName === '') {
        stream.resume();
        return;
      }
      const file = saveFile(stream, directory, fileName);
      file.catch(() => undefined); // reported when awaited below
      saving.push(file);
    });
    parser.on('filesLimit', () => {
      tooManyFiles = true;
    });
    parser.on('error', (error) => {
      req.unpipe(parser);
      req.resume();
      discardSaved(saving);
      reject(error);
    });
    parser.on('close', () => {
      Promise.all(saving).then(
        (files) => resolve({ fields, files, tooManyFiles }),
        (error: unknown) => {
          discardSaved(saving);
          reject(error);
        },
      );
    });
    req.pipe(parser);
  });
}

async function saveFile(source: NodeJS.ReadableStream, directory: string, fileName: string): Promise<ReceivedFile> {
  const path = join(directory, `${randomBytes(12).toString('hex')}.upload`);
  const hash = createHash('sha256');
  let bytes = 0;
  const measure = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      bytes += chunk.length;
      callback(null, chunk);
    },
  });
  try {
    await pipeline(source, measure, createWriteStream(path));
  } catch (error) {
    await unlink(path).catch(() => undefined);
    throw error;
  }
  return { fileName: baseName(fileName), path, bytes, sha256: hash.digest('hex') };
}

/** Deletes the files of a form that failed part-way. */
function discardSaved(saving: readonly Promise<ReceivedFile>[]): void {
  for (const file of saving) file.then((f) => unlink(f.path)).catch(() => undefined);
}

/** Some browsers send a full client path as the file name. */
function baseName(fileName: string): string {
  return fileName.split(/[\\/]/).pop() ?? fileName;
}
