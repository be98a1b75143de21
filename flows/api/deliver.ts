/**
 * `transport: api`: delivering the written JSON files through the registration Web API.
 * Each file is streamed (never loaded whole) into chunks of `pmh.api.chunk_size` records,
 * each POSTed with the bearer token. Every chunk is told to the journal (the ledger) before it is
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
import { pausePoint } from '../../core/pause-point.ts';
import type { ApiChunkRecord, ChannelRequest, DeliveryFile, DeliveryJournal, RejectedRecord, UploadOutcome } from '../delivery.ts';
import { routeOf } from '../pmh-http.ts';
import { circuitBreakerOf, retryPolicyOf } from '../retry.ts';
import { sendChunk, type ApiChunkAnswer, type ApiSendOptions } from './send-chunk.ts';
import { jsonArrayElements } from './json-array-reader.ts';

/** What is known at PMH of one record of a file, from every run's chunks. */
const NEW = 0;
const DONE = 1;
/** Sent in a chunk whose answer never came: it may be registered. */
const UNKNOWN = 2;

/** What earlier runs (a crashed parent, a failed replay) got PMH to register of this file. */
interface FileHistory {
  states: Uint8Array;
  accepted: number;
  rejected: number;
  rejectedKeys: string[];
  unknown: number;
}

function historyOf(journal: DeliveryJournal, file: DeliveryFile): FileHistory {
  const states = new Uint8Array(file.rows);
  const history: FileHistory = { states, accepted: 0, rejected: 0, rejectedKeys: [], unknown: 0 };
  // Oldest first: a later answer about the same records replaces an earlier "sending"; a done chunk is final.
  for (const chunk of journal.apiChunks(file)) {
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
  options: ApiSendOptions;
  chunkSize: number;
}

/** Records PMH answered for, over the whole delivery, as the answers come in. */
interface Totals {
  accepted: number;
  rejected: number;
}

async function deliverFile(
  request: ChannelRequest<'api'>,
  file: DeliveryFile,
  sender: Sender,
  lookUp: 'upload' | 'stop' | undefined,
  totals: Totals,
): Promise<FileResult> {
  const { journal, log } = request;
  const history = historyOf(journal, file);
  if (history.unknown > 0 && lookUp !== 'upload') {
    // The API keeps no history: whether those records reached PMH cannot be looked up.
    throw pmhError('ResubmitNeedsConfirmation', { fileName: file.fileName, runId: request.runId });
  }
  if (history.unknown > 0) log.warn({ file: file.fileName, records: history.unknown }, 'resending records whose earlier request was never answered, as the operator confirmed');
  const result: FileResult = { accepted: history.accepted, rejected: history.rejected, rejectedKeys: new Set(history.rejectedKeys) };
  totals.accepted += history.accepted;
  totals.rejected += history.rejected;
  const record = (status: 'submitting' | 'refused'): void => journal.fileStatus(file, { pmhUploadId: null, status, accepted: null, rejected: null });
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
    const entry = (status: ApiChunkRecord['status'], httpStatus: number | null, answer?: ApiChunkAnswer, rejectedKeys: string[] = []): ApiChunkRecord => ({
      fileName: file.fileName, fileSha256: file.sha256, firstIndex, records: elements.length, status, httpStatus,
      accepted: answer?.accepted ?? null, rejected: answer?.rejected ?? null, rejectedKeys,
    });
    let answer: ApiChunkAnswer;
    try {
      answer = await sendChunk(
        {
          ...sender.options,
          onSending: () => journal.recordApiChunk(entry('sending', null)),
          onNotRegistered: (status) => journal.recordApiChunk(entry('failed', status)),
        },
        { body, records: elements.length, fileName: file.fileName, first: firstIndex + 1, last: firstIndex + elements.length },
      );
    } catch (error) {
      const failure = error as PmhBotError;
      if (failure.code === 'PmhApiRequestRefused') {
        journal.recordApiChunk(entry('refused', Number(failure.params.status) || null));
        record('refused');
      }
      throw failure;
    }
    const rejections = await mapErrors(answer, firstIndex, keys, file);
    const rejectedKeys = [...new Set(rejections.map((r) => r.historyKey).filter((k): k is string => k !== null))];
    // One transaction would be tidier, but the order is what matters: the answer first, then the rows that explain it.
    journal.recordApiChunk(entry('done', 200, answer, rejectedKeys));
    journal.rejected(rejections);
    result.accepted += answer.accepted;
    result.rejected += answer.rejected;
    totals.accepted += answer.accepted;
    totals.rejected += answer.rejected;
    for (const key of rejectedKeys) result.rejectedKeys.add(key);
    log.info({ file: file.fileName, first: firstIndex + 1, records: elements.length, accepted: answer.accepted, rejected: answer.rejected }, 'PMH answered a chunk');
    await pausePoint('api-between-chunks');
  };

  const step = `api:${file.fileName}`;
  journal.steps.started(step);
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
    if (index !== file.rows) log.warn({ file: file.fileName, expected: file.rows, read: index }, 'the file holds another number of records than was recorded when it was written');
    journal.steps.succeeded(step, { accepted: result.accepted, rejected: result.rejected });
  } catch (error) {
    journal.steps.failed(step, error);
    throw error;
  } finally {
    await keys.close();
  }
  return result;
}

/** PMH's per-record errors as rejected records, with the source keys from the key map. */
async function mapErrors(answer: ApiChunkAnswer, firstIndex: number, keys: KeyMapCursor, file: DeliveryFile): Promise<RejectedRecord[]> {
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

export async function deliverViaApi(request: ChannelRequest<'api'>): Promise<void> {
  const { journal } = request;
  const { pmh } = request.config;
  const api = pmh.api;
  if (request.format !== 'json') {
    throw pmhError('ConfigInvalid', { file: request.layoutFile, path: 'output.layout', detail: 'transport: api には format: json のレイアウトが必要です / transport: api needs a layout with format: json' });
  }
  const token = readSecret(api.token_env, 'pmh.api.token_env');
  const sender: Sender = {
    chunkSize: api.chunk_size,
    options: {
      endpoint: { url: api.url, token, timeoutMs: api.timeout_seconds * 1000, route: routeOf(request.config.browser) },
      retry: retryPolicyOf(pmh),
      breaker: circuitBreakerOf(pmh, journal.breaker),
      runId: request.runId,
      chunkSize: api.chunk_size,
      log: request.log,
      onRetry: (attempt, error, delayMs) => journal.retryWait('api:retry-wait', attempt, error, delayMs),
    },
  };
  const totals: Totals = { accepted: 0, rejected: 0 };
  try {
    for (const file of request.files) {
      const result = await deliverFile(request, file, sender, request.resume?.lookUpFirst.get(file.fileName), totals);
      journal.outcome(outcomeOf(file, result));
      const status = { pmhUploadId: null, status: 'done', accepted: result.accepted, rejected: result.rejected };
      await journal.answered({ certificateTypeId: file.certificateTypeId, files: [file], status, rejectedKeys: result.rejectedKeys, rejections: [] });
    }
  } finally {
    journal.counts(totals.accepted, totals.rejected);
  }
}

/** The run summary's view of a file sent through the API (there is no 受付番号 or result screen). */
function outcomeOf(file: DeliveryFile, result: FileResult): UploadOutcome {
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
