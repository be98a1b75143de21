/**
 * The zip, written with yazl: every file under one top folder, with its Unix mode kept (so
 * the Linux launcher and node stay executable after unzip), and the zip's SHA-256 beside it
 * in sha256sum's format. Written under a temporary name and renamed, so a zip that exists
 * is complete.
 */
import { createWriteStream, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ZipFile } from 'yazl';
import { listFiles, sha256File } from './files.ts';

export async function writeZip(bundleDir: string, topFolder: string, zipPath: string): Promise<void> {
  const zip = new ZipFile();
  for (const path of listFiles(bundleDir)) {
    const file = join(bundleDir, path);
    const executable = (statSync(file).mode & 0o111) !== 0;
    zip.addFile(file, `${topFolder}/${path}`, { mode: executable ? 0o100755 : 0o100644 });
  }
  zip.end();
  const partial = `${zipPath}.partial`;
  try {
    await pipeline(zip.outputStream, createWriteStream(partial));
    renameSync(partial, zipPath);
  } finally {
    rmSync(partial, { force: true });
  }
  writeFileSync(`${zipPath}.sha256`, `${await sha256File(zipPath)}  ${basename(zipPath)}\n`);
}
