/**
 * `transport: api`: delivering the written JSON files through the registration Web API.
 * Each file is streamed (never loaded whole) into chunks of `pmh.api.chunk_size` records,
 * each POSTed with the bearer token. Every chunk is recorded in the ledger before it is
 * sent (sending) and when PMH answers (done, with its counts; failed when PMH registered
 * nothing), so that a replay resends nothing PMH accepted and stops before resending a
 * chunk that may have reached PMH unanswered (the API has no history to consult), unless
 * the operator confirmed with --confirm-resubmit.
 *
 * PMH's per-record errors name the record's index in the chunk; the file's key map names
 * the source keys on each line, and in a JSON file record i (0-based) is on line i + 1.
 * A type's records advance the snapshot once every file of it has PMH's answer, minus the
 * records PMH rejected: as on the screen.
 */
import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import { readSecret } from '../../config/secrets.ts';
import { pmhError, type PmhBotError } from '../../core/errors.ts';
import { sendChunk, type ApiChunkAnswer, type ApiSendOptions } from '../../flows/api/api-delivery.ts';
import { jsonArrayElements } from '../../flows/api/json-array-reader.ts';
import { routeOf } from '../../flows/pmh-http.ts';
import { CircuitBreaker, type BreakerState, type BreakerStore } from '../../flows/retry.ts';
import type { UploadOutcome } from '../../flows/screen/upload-flow.ts';
import type { ApiChunkEntry, Ledger, RejectedEntry } from '../state/ledger.ts';
import type { DeliveryResume, ProgramFile, RunContext } from './run.ts';

/** What is known at PMH of one record of a file, from every run's chunks. */
const NEW = 0;
const DONE = 1;
/** Sent in a chunk whose answer never came: it may be registered. */
const UNKNOWN = 2;

/** The circuit breaker's state in the ledger, under the same key as the screen's: one PMH, one breaker. */
export function ledgerBreaker(ctx: RunContext): CircuitBreaker {
  const key = 'pmh.circuit_breaker';
  const store: BreakerStore = {
    load: (): BreakerState => {
      const saved = ctx.ledger.getState(key);
      return saved ? (JSON.parse(saved) as BreakerState) : { consecutiveFailures: 0, openedAt: null };
    },
    save: (state) => ctx.ledger.setState(key, JSON.stringify(state)),
  };
  const { circuit_breaker: settings } = ctx.config.pmh;
  return new CircuitBreaker(store, { failureThreshold: settings.failure_threshold, cooldownMs: settings.cooldown_minutes * 60_000 });
}

/** What earlier runs (a crashed parent, a failed replay) got PMH to register of this file. */
interface FileHistory {
  states: Uint8Array;
  accepted: number;
  rejected: number;
  rejectedKeys: string[];
  unknown: number;
}

function historyOf(ledger: Ledger, file: ProgramFile): FileHistory {
  const states = new Uint8Array(file.rows);
  const history: FileHistory = { states, accepted: 0, rejected: 0, rejectedKeys: [], unknown: 0 };
  // Oldest first: a later answer about the same records replaces an earlier "sending"; a done chunk is final.
  for (const chunk of ledger.apiChunksOfFile(file.sha256, file.fileName)) {
    const end = Math.min(file.rows, chunk.firstIndex + chunk.records);
    if (chunk.status === 'done') {
      history.accepted += chunk.accepted ?? 0;
      history.rejected += chunk.rejected ?? 0;
      history.rejectedKeys.push(...chunk.rejectedKeys);
    }
    for (let i = chunk.firstIndex; i < end; i += 1) {
      if (states[i] === DONE) continue;
      states[i] = chunk.status === 'done' ? DONE : chunk.status === 'sending' ? UNKNOWN : NEW;
    }
  }
  for (const state of states) if (state === UNKNOWN) history.unknown += 1;
  return history;
}

type KeyRow = Record<string, string>;

/** Reads a key map alongside the chunks, which come in line order: the whole file is read once. */
class KeyMapCursor {
  private readonly rows: AsyncIterator<KeyRow>;
  private held: KeyRow | null = null;
  private ended = false;

  constructor(path: string) {
    this.rows = createReadStream(path).pipe(parse({ columns: true, skip_empty_lines: true }))[Symbol.asyncIterator]();
  }

  /** The key map rows of `wanted` lines, reading no further than `lastLine`. */
  async rowsOf(wanted: Set<number>, lastLine: number): Promise<Map<number, KeyRow>> {
    const found = new Map<number, KeyRow>();
    while (!this.ended) {
      let row = this.held;
      if (!row) {
        const next = await this.rows.next();
        if (next.done) {
          this.ended = true;
          break;
        }
        row = next.value;
      }
      const line = Number(row.line);
      if (line > lastLine) {
        this.held = row;
        break;
      }
      this.held = null;
      if (wanted.has(line)) found.set(line, row);
    }
    return found;
  }

  async close(): Promise<void> {
    if (!this.ended) await this.rows.return?.();
  }
}

interface FileResult {
  accepted: number;
  rejected: number;
  rejectedKeys: Set<string>;
}

interface Sender {
  options: (ctx: RunContext, file: ProgramFile, firstIndex: number, records: number) => ApiSendOptions;
  chunkSize: number;
}

/** Records PMH answered for, over the whole delivery, as the answers come in. */
interface Totals {
  accepted: number;
  rejected: number;
}

async function deliverFile(
  ctx: RunContext,
  file: ProgramFile,
  sender: Sender,
  lookUp: 'upload' | 'stop' | undefined,
  totals: Totals,
): Promise<FileResult> {
  const history = historyOf(ctx.ledger, file);
  if (history.unknown > 0 && lookUp !== 'upload') {
    // The API keeps no history: whether those records reached PMH cannot be looked up.
    throw pmhError('ResubmitNeedsConfirmation', { fileName: file.fileName, runId: ctx.id });
  }
  if (history.unknown > 0) ctx.log.warn({ file: file.fileName, records: history.unknown }, 'resending records whose earlier request was never answered, as the operator confirmed');
  const result: FileResult = { accepted: history.accepted, rejected: history.rejected, rejectedKeys: new Set(history.rejectedKeys) };
  totals.accepted += history.accepted;
  totals.rejected += history.rejected;
  const record = (status: string): void =>
    ctx.ledger.recordUpload(ctx.id, {
      certificateTypeId: file.certificateTypeId, fileName: file.fileName, sha256: file.sha256, rows: file.rows,
      pmhUploadId: null, status, accepted: status === 'done' ? result.accepted : null, rejected: status === 'done' ? result.rejected : null,
    });
  const keys = new KeyMapCursor(file.keysPath);
  let submitting = false;
  let pending: Buffer[] = [];
  let pendingFirst = 0;

  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    const firstIndex = pendingFirst;
    const elements = pending;
    pending = [];
    if (!submitting) {
      record('submitting');
      submitting = true;
    }
    const body = Buffer.concat([Buffer.from('['), ...elements.flatMap((e, i) => (i === 0 ? [e] : [Buffer.from(','), e])), Buffer.from(']')]);
    const entry = (status: ApiChunkEntry['status'], httpStatus: number | null, answer?: ApiChunkAnswer, rejectedKeys: string[] = []): ApiChunkEntry => ({
      fileName: file.fileName, fileSha256: file.sha256, firstIndex, records: elements.length, status, httpStatus,
      accepted: answer?.accepted ?? null, rejected: answer?.rejected ?? null, rejectedKeys,
    });
    let answer: ApiChunkAnswer;
    try {
      answer = await sendChunk(
        {
          ...sender.options(ctx, file, firstIndex, elements.length),
          onSending: () => ctx.ledger.recordApiChunk(ctx.id, entry('sending', null)),
          onNotRegistered: (status) => ctx.ledger.recordApiChunk(ctx.id, entry('failed', status)),
        },
        { body, records: elements.length, fileName: file.fileName, first: firstIndex + 1, last: firstIndex + elements.length },
      );
    } catch (error) {
      const failure = error as PmhBotError;
      if (failure.code === 'PmhApiRequestRefused') {
        ctx.ledger.recordApiChunk(ctx.id, entry('refused', Number(failure.params.status) || null));
        record('refused');
      }
      throw failure;
    }
    const rejections = await mapErrors(answer, firstIndex, keys, file);
    const rejectedKeys = [...new Set(rejections.map((r) => r.historyKey).filter((k): k is string => k !== null))];
    // One transaction would be tidier, but the order is what matters: the answer first, then the rows that explain it.
    ctx.ledger.recordApiChunk(ctx.id, entry('done', 200, answer, rejectedKeys));
    ctx.ledger.addRejected(ctx.id, rejections);
    result.accepted += answer.accepted;
    result.rejected += answer.rejected;
    totals.accepted += answer.accepted;
    totals.rejected += answer.rejected;
    for (const key of rejectedKeys) result.rejectedKeys.add(key);
    ctx.log.info({ file: file.fileName, first: firstIndex + 1, records: elements.length, accepted: answer.accepted, rejected: answer.rejected }, 'PMH answered a chunk');
  };

  ctx.ledger.startStep(ctx.id, `api:${file.fileName}`);
  try {
    let index = 0;
    for await (const element of jsonArrayElements(file.path)) {
      const state = history.states[index] ?? NEW;
      if (state === DONE) {
        await flush();
      } else {
        if (pending.length === 0) pendingFirst = index;
        pending.push(element);
        if (pending.length >= sender.chunkSize) await flush();
      }
      index += 1;
    }
    await flush();
    if (index !== file.rows) ctx.log.warn({ file: file.fileName, expected: file.rows, read: index }, 'the file holds another number of records than the ledger says');
    record('done');
    ctx.ledger.endStep(ctx.id, `api:${file.fileName}`, 'succeeded', { detail: { accepted: result.accepted, rejected: result.rejected } });
  } catch (error) {
    const failure = error as PmhBotError;
    ctx.ledger.endStep(ctx.id, `api:${file.fileName}`, 'failed', { errorCode: failure.code ?? 'UnexpectedFailure', errorMessage: failure.describeIn?.('ja').message ?? String(error) });
    throw error;
  } finally {
    await keys.close();
  }
  return result;
}

/** PMH's per-record errors as ledger rows with the source keys from the key map. */
async function mapErrors(answer: ApiChunkAnswer, firstIndex: number, keys: KeyMapCursor, file: ProgramFile): Promise<RejectedEntry[]> {
  if (answer.errors.length === 0) return [];
  const lineOf = (index: number): number | null => (index >= 0 ? firstIndex + index + 1 : null);
  const wanted = new Set(answer.errors.map((e) => lineOf(e.index)).filter((l): l is number => l !== null));
  const lastLine = Math.max(0, ...wanted);
  const rows = await keys.rowsOf(wanted, lastLine);
  const pmhUploadId = answer.requestId ?? `API ${file.fileName} ${firstIndex + 1}-`;
  return answer.errors.map((error) => {
    const line = lineOf(error.index);
    const key = line === null ? undefined : rows.get(line);
    return {
      pmhUploadId,
      line,
      residentNo: key?.residentNo ?? null,
      certificateId: key?.certificateId ?? null,
      historyKey: error.historyKey ?? key?.historyKey ?? null,
      column: error.field,
      message: error.message,
    };
  });
}

export async function deliverViaApi(ctx: RunContext, resume?: DeliveryResume): Promise<void> {
  if (ctx.files.length === 0) {
    ctx.log.info('nothing changed since PMH last accepted: nothing to send');
    ctx.setCounts({ accepted: 0, rejected: 0 });
    return;
  }
  const { pmh } = ctx.config;
  const api = pmh.api;
  if (!api) throw pmhError('ConfigInvalid', { file: '(設定)', path: 'pmh.api', detail: 'transport: api には pmh.api が必要です / transport: api needs pmh.api' });
  if (ctx.layout.format !== 'json') {
    throw pmhError('ConfigInvalid', { file: ctx.layout.file, path: 'output.layout', detail: 'transport: api には format: json のレイアウトが必要です / transport: api needs a layout with format: json' });
  }
  const token = readSecret(api.token_env, 'pmh.api.token_env');
  const route = routeOf(ctx.config.browser);
  const breaker = ledgerBreaker(ctx);
  const sender: Sender = {
    chunkSize: api.chunk_size,
    options: () => ({
      endpoint: { url: api.url, token, timeoutMs: api.timeout_seconds * 1000, route },
      retry: {
        maxAttempts: pmh.retry.max_attempts,
        initialDelayMs: pmh.retry.initial_delay_seconds * 1000,
        maxDelayMs: pmh.retry.max_delay_seconds * 1000,
        multiplier: pmh.retry.multiplier,
      },
      breaker,
      runId: ctx.id,
      chunkSize: api.chunk_size,
      log: ctx.log,
      onRetry: (attempt, error, delayMs) => {
        ctx.ledger.startStep(ctx.id, 'api:retry-wait');
        ctx.ledger.endStep(ctx.id, 'api:retry-wait', 'succeeded', { detail: { afterAttempt: attempt, code: error.code, delayMs } });
      },
    }),
  };
  const perType = new Map<string, { remaining: number; rejectedKeys: Set<string> }>();
  for (const file of ctx.files) {
    const entry = perType.get(file.certificateTypeId) ?? { remaining: 0, rejectedKeys: new Set<string>() };
    entry.remaining += 1;
    perType.set(file.certificateTypeId, entry);
  }
  const totals: Totals = { accepted: 0, rejected: 0 };
  try {
    for (const file of ctx.files) {
      const result = await deliverFile(ctx, file, sender, resume?.lookUpFirst.get(file.fileName), totals);
      ctx.outcomes.push(outcomeOf(file, result));
      const state = perType.get(file.certificateTypeId)!;
      state.remaining -= 1;
      for (const key of result.rejectedKeys) state.rejectedKeys.add(key);
      if (state.remaining > 0) continue;
      const applied = ctx.snapshot.applyAccepted(ctx.snapshotRun, file.certificateTypeId, ctx.mode, state.rejectedKeys);
      ctx.log.info({ type: file.certificateTypeId, ...applied }, 'snapshot advanced');
    }
  } finally {
    ctx.setCounts({ accepted: totals.accepted, rejected: totals.rejected });
  }
  if (totals.rejected > 0) throw pmhError('RecordsRejected', { rejected: totals.rejected, accepted: totals.accepted });
}

/** The run summary's view of a file sent through the API (there is no 受付番号 or result screen). */
function outcomeOf(file: ProgramFile, result: FileResult): UploadOutcome {
  return {
    certificateTypeId: file.certificateTypeId,
    fileName: file.fileName,
    fileNames: [file.fileName],
    uploadId: 'API',
    status: result.rejected > 0 ? '完了（エラーあり）' : '完了',
    refused: false,
    total: file.rows,
    accepted: result.accepted,
    rejected: result.rejected,
    errorListPath: null,
    resultScreenshot: '',
  };
}
