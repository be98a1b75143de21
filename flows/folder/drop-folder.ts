/**
 * Putting a file into a drop folder for the Agency's batch tool (or for an operator's
 * manual upload), so that whoever watches the folder never sees half a file: the copy is
 * written under `<name>.tmp` in the folder itself (same volume, so the rename is atomic),
 * flushed to disk, renamed into place, and only then is the completion marker
 * `<name>.done` written. The flow knows nothing of records or ledgers: it moves bytes.
 */
import { createReadStream } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { pmhError } from '../../core/errors.ts';
import { fileSha256 } from '../../core/file-hash.ts';

/** Readable by the batch tool's group, never by everyone: the file holds personal data (on Windows the folder's ACL decides). */
const FILE_MODE = 0o640;

export interface DropResult {
  /** The file's final path in the folder. */
  path: string;
  markerPath: string | null;
  /** false: the same content was already waiting there under that name (an earlier, interrupted delivery). */
  copied: boolean;
}

export interface DropOptions {
  folder: string;
  marker: boolean;
  /** SHA-256 of the source, to recognise a copy already in the folder. */
  sha256: string;
  /** For the hints. */
  runId: string;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/** Makes a rename or a new file durable; Windows cannot open a folder, and its NTFS journal covers renames. */
async function syncFolder(folder: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(folder, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Copies `source` to `target` through `<target>.tmp`: fsynced, then renamed. */
async function copyAtomically(source: string, target: string): Promise<void> {
  const temporary = `${target}.tmp`;
  try {
    const handle = await open(temporary, 'w', FILE_MODE);
    try {
      for await (const chunk of createReadStream(source, { highWaterMark: 1 << 20 })) await handle.write(chunk as Buffer);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

export async function dropFile(source: string, options: DropOptions): Promise<DropResult> {
  const fileName = basename(source);
  const where = { folder: options.folder, fileName, runId: options.runId };
  const unavailable = (error: unknown): never => {
    const detail = error instanceof Error ? ((error as NodeJS.ErrnoException).code ?? error.message) : String(error);
    throw pmhError('DropFolderUnavailable', { ...where, detail }, error);
  };
  try {
    const folder = await stat(options.folder);
    if (!folder.isDirectory()) unavailable(new Error('フォルダーではありません / not a folder'));
  } catch (error) {
    if ((error as { code?: string }).code === 'DropFolderUnavailable') throw error;
    unavailable(error);
  }
  const target = join(options.folder, fileName);
  const markerPath = options.marker ? `${target}.done` : null;
  let copied = false;
  try {
    if (await exists(target)) {
      if ((await fileSha256(target)) !== options.sha256) throw pmhError('DropFolderOccupied', where);
    } else {
      await copyAtomically(source, target);
      copied = true;
    }
    if (markerPath && !(await exists(markerPath))) {
      // Written under another name and renamed too: a tool that waits for the marker sees it whole.
      const temporary = `${markerPath}.tmp`;
      const handle = await open(temporary, 'w', FILE_MODE);
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temporary, markerPath);
    }
    await syncFolder(options.folder);
  } catch (error) {
    if ((error as { code?: string }).code === 'DropFolderOccupied') throw error;
    unavailable(error);
  }
  return { path: target, markerPath, copied };
}

/** Waits until the file has left the folder (the batch tool took it); false when the time ran out. */
export async function waitForPickup(path: string, timeoutMs: number, pollMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (!(await exists(path))) return true;
    if (Date.now() >= end) return false;
    await new Promise((resolve) => setTimeout(resolve, Math.min(pollMs, Math.max(0, end - Date.now()))));
  }
}
