// Files posted on the upload screen and waiting for 登録する on the confirmation screen.
// One per session: posting a new file discards the previous unconfirmed one, so abandoned
// confirmations cannot fill the disk.

import { randomBytes } from 'node:crypto';
import { unlink } from 'node:fs/promises';
import type { UploadMode } from './types.ts';

export interface PendingFile {
  fileName: string;
  path: string;
  bytes: number;
  sha256: string;
}

export interface PendingUpload {
  token: string;
  sessionId: string;
  /** One or more, in the order they were sent. */
  files: PendingFile[];
  certificateTypeId: string;
  mode: UploadMode;
}

export class PendingUploads {
  private readonly byToken = new Map<string, PendingUpload>();

  add(upload: Omit<PendingUpload, 'token'>): PendingUpload {
    this.discardSession(upload.sessionId);
    const pending = { ...upload, token: randomBytes(16).toString('hex') };
    this.byToken.set(pending.token, pending);
    return pending;
  }

  /** The pending upload of `token`, only for the session that posted it. */
  get(token: string, sessionId: string): PendingUpload | undefined {
    const pending = this.byToken.get(token);
    return pending?.sessionId === sessionId ? pending : undefined;
  }

  /** Removes it from the list without deleting its files (they now belong to an upload). */
  take(token: string, sessionId: string): PendingUpload | undefined {
    const pending = this.get(token, sessionId);
    if (pending) this.byToken.delete(token);
    return pending;
  }

  discardSession(sessionId: string): void {
    for (const pending of this.byToken.values()) {
      if (pending.sessionId === sessionId) this.discard(pending);
    }
  }

  discardAll(): void {
    for (const pending of this.byToken.values()) this.discard(pending);
  }

  private discard(pending: PendingUpload): void {
    this.byToken.delete(pending.token);
    for (const file of pending.files) unlink(file.path).catch(() => undefined);
  }
}
