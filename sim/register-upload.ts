// Registering an upload: the files posted become one upload (one 受付番号) in the store and
// join the processing queue. Both screens register through here, so they count the same.

import { randomBytes } from 'node:crypto';
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { SimContext } from './context.ts';
import type { PendingFile } from './pending-uploads.ts';
import type { UploadMode } from './types.ts';

export interface UploadToRegister {
  files: readonly PendingFile[];
  certificateTypeId: string;
  mode: UploadMode;
}

/** Makes the files one upload and queues it; returns the 受付番号. */
export async function registerUpload(ctx: SimContext, uploadedBy: string, upload: UploadToRegister): Promise<string> {
  const files = [];
  for (const file of upload.files) {
    const path = join(ctx.uploadDir, `${randomBytes(12).toString('hex')}.csv`);
    await rename(file.path, path);
    files.push({ fileName: file.fileName, sha256: file.sha256, bytes: file.bytes, path });
  }
  const stored = ctx.store.createUpload({
    files,
    certificateTypeId: upload.certificateTypeId,
    mode: upload.mode,
    uploadedBy,
    receivedAt: new Date().toISOString(),
  });
  ctx.stats.count('registrations');
  ctx.faults.planUpload(stored.id);
  ctx.queue.enqueue(stored.id);
  return stored.id;
}

export function isUploadMode(value: string): value is UploadMode {
  return value === 'diff' || value === 'full';
}
