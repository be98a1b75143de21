// Moves registered uploads through 受付済 -> 処理中 -> 完了 / 完了（エラーあり） / エラー, one
// upload at a time, with the delays the real screen shows so the bot must poll for the result.
// The fault plan fixed at registration may keep an upload 処理中, refuse it, or reject rows.

import { unlink } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FaultState } from './faults.ts';
import { checkUploadFiles } from './process-upload.ts';
import type { ExtraRejection, FileToCheck, ProcessingResult } from './process-upload.ts';
import type { SimStore, StoredUpload, UploadOutcome } from './store.ts';
import { UPLOAD_STATUS } from './types.ts';

export class UploadQueue {
  private readonly waiting: string[] = [];
  private worker: Promise<void> | null = null;
  private readonly closing = new AbortController();
  /** Bumped by reset(): work started before it must not write anything after it. */
  private epoch = 0;

  constructor(
    private readonly store: SimStore,
    private readonly delayMs: number,
    private readonly faults: FaultState,
  ) {}

  /** Re-queues what a previous run left unfinished, from scratch. */
  resume(): void {
    for (const upload of this.store.listUnfinishedUploads()) {
      this.store.discardUploadWork(upload.seq);
      this.store.markReceived(upload.seq);
      this.enqueue(upload.id);
    }
  }

  enqueue(uploadId: string): void {
    this.waiting.push(uploadId);
    this.worker ??= this.drain().finally(() => {
      this.worker = null;
    });
  }

  reset(): void {
    this.epoch++;
    this.waiting.length = 0;
  }

  async close(): Promise<void> {
    this.waiting.length = 0;
    this.closing.abort();
    await this.worker;
  }

  private async drain(): Promise<void> {
    for (let id = this.waiting.shift(); id !== undefined; id = this.waiting.shift()) {
      const epoch = this.epoch;
      const stale = (): boolean => epoch !== this.epoch || this.closing.signal.aborted;
      try {
        await this.run(id, stale);
      } catch (error) {
        if (this.closing.signal.aborted) return;
        if (stale()) continue;
        console.error(`[pmh-sim] processing ${id} failed:`, error);
        const upload = this.store.getUpload(id);
        if (upload) {
          this.finish(upload, {
            kind: 'refused',
            reason: 'ファイルを読み込めませんでした。もう一度アップロードしてください。',
            fileName: null,
          });
        }
      }
    }
  }

  private async run(id: string, stale: () => boolean): Promise<void> {
    const upload = this.store.getUpload(id);
    if (!upload) return;
    const signal = this.closing.signal;
    await sleep(Math.max(0, Date.parse(upload.receivedAt) + this.delayMs - Date.now()), undefined, { signal });
    if (stale()) return;

    const startedAt = Date.now();
    this.store.markProcessing(upload.seq, new Date(startedAt).toISOString());
    const plan = this.faults.planOf(id);
    if (plan?.neverFinish) return; // stays 処理中 until a reset or a restart
    const result = plan?.refusalReason
      ? { kind: 'refused' as const, reason: plan.refusalReason, fileName: null }
      : await this.check(upload, stale, plan?.rejectRow ?? null);
    if (result.kind === 'stopped' || stale()) return;

    await sleep(Math.max(0, startedAt + this.delayMs - Date.now()), undefined, { signal });
    if (stale()) return;
    this.finish(upload, result);
  }

  private async check(upload: StoredUpload, stale: () => boolean, extraRejection: ExtraRejection | null): Promise<ProcessingResult> {
    const files: FileToCheck[] = [];
    for (const file of upload.files) {
      if (file.path === null) {
        return {
          kind: 'refused',
          reason: 'アップロードされたファイルが見つかりません。もう一度アップロードしてください。',
          fileName: null,
        };
      }
      files.push({ fileName: file.fileName, path: file.path });
    }
    return checkUploadFiles(this.store, upload, files, stale, extraRejection);
  }

  private finish(upload: StoredUpload, result: ProcessingResult): void {
    if (result.kind === 'stopped') return;
    const finishedAt = new Date().toISOString();
    const outcome: UploadOutcome =
      result.kind === 'refused'
        ? {
            status: UPLOAD_STATUS.refused,
            finishedAt,
            total: null,
            accepted: null,
            rejected: null,
            refusalReason: result.reason,
            refusedFileName: result.fileName,
          }
        : {
            status: result.rejected > 0 ? UPLOAD_STATUS.doneWithErrors : UPLOAD_STATUS.done,
            finishedAt,
            total: result.total,
            accepted: result.accepted,
            rejected: result.rejected,
            refusalReason: null,
            refusedFileName: null,
          };
    this.store.transaction(() => {
      if (result.kind === 'refused') this.store.discardUploadWork(upload.seq);
      else this.store.applyUpload(upload);
      this.store.finishUpload(upload.seq, outcome);
    });
    this.faults.forgetPlan(upload.id);
    for (const file of upload.files) if (file.path) unlink(file.path).catch(() => undefined);
  }
}
