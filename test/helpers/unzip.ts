/**
 * Unzips a bundle as an operator's unzip would, with yauzl: every entry written under `to`
 * with the Unix mode the zip recorded (so what was executable stays executable).
 */
import { chmodSync, createWriteStream, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';

export interface UnzippedEntry {
  name: string;
  /** The Unix permission bits the zip recorded (0 when it recorded none). */
  mode: number;
}

export async function unzip(zipPath: string, to: string): Promise<UnzippedEntry[]> {
  const zip = await yauzl.openPromise(zipPath, { lazyEntries: true, strictFileNames: true });
  const entries: UnzippedEntry[] = [];
  try {
    for await (const entry of zip.eachEntry()) {
      const target = join(to, entry.fileName);
      const mode = (entry.externalFileAttributes >>> 16) & 0o777;
      entries.push({ name: entry.fileName, mode });
      if (entry.fileName.endsWith('/')) {
        mkdirSync(target, { recursive: true });
        continue;
      }
      mkdirSync(dirname(target), { recursive: true });
      await pipeline(await zip.openReadStreamPromise(entry), createWriteStream(target));
      if (mode) chmodSync(target, mode);
    }
  } finally {
    zip.close();
  }
  return entries;
}
