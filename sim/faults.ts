// Fault modes: ways the simulated PMH screen misbehaves on purpose, so that tests can prove
// the bot copes with a slow, failing, changed or unhelpful screen. Set at start-up or through
// POST /__sim/faults; nothing here is on unless a test asks for it.

import { z } from 'zod';

export type ConfirmStyle = 'page' | 'modal' | 'native';
export type ExpiryPoint = '/menu' | '/upload' | '/upload/confirm' | '/history';

export interface SimFaults {
  /** Delay every screen response (not /__sim) by ms; `count` responses then off (omit = until cleared); `path` = pathname prefix filter. */
  slow?: { ms: number; count?: number; path?: string };
  /** Answer screen requests with this HTTP status and a system-error page (heading 'システムエラー'); count/path as above. */
  httpError?: { status: 500 | 502 | 503; count?: number; path?: string };
  /** Every screen page (any path, incl. /login) is the maintenance page: heading 'システムメンテナンス中', text 'ただいまシステムメンテナンス中です。', HTTP `status` (default 503). count as above. */
  maintenance?: { count?: number; status?: 200 | 503 };
  /** The session expires on the first request (after this fault is set) whose pathname starts with `at`: the session is destroyed (a pending confirmation is discarded, NOTHING is registered) and the response redirects to /login, which then shows role="status" text 'セッションの有効期限が切れました。再度ログインしてください。'. Once only. */
  expireSession?: { at: ExpiryPoint };
  /** Replace texts on every screen page: key = text the page normally shows, value = new text. Applied to the HTML as plain string replacement. */
  renameLabels?: Record<string, string>;
  /** Uploads registered while set stay '処理中' forever. */
  neverFinish?: boolean;
  /** The next registered upload (once) ends with status 'エラー' (refused as a whole) with this reason, shown on its error list page. */
  refuseNextUpload?: { reason?: string };
  /** Rows rejected by processing in addition to real validation errors: by history key or every Nth data row (1-based). Column reported: '履歴キー'. */
  rejectRows?: { historyKeys?: string[]; everyNth?: number; message?: string };
  /** Confirming a file whose SHA-256 equals an earlier registered upload of the same certificate type shows a role="alert" warning naming that upload. */
  duplicateWarning?: boolean;
  /** How the upload is confirmed: 'page' (default), 'modal' (an in-page dialog) or 'native' (window.confirm). */
  confirmStyle?: ConfirmStyle;
  /** Registration API requests (/api/...) are answered with this status, unprocessed; 429 (and 503) carry Retry-After when retryAfterSeconds is given. count as above. */
  api?: { status: 429 | 500 | 503; count?: number; retryAfterSeconds?: number };
  /** Registration API requests wait `ms` after they are read, before they are processed; one whose client has gone meanwhile is not processed (logged with status 499). count as above. */
  apiSlow?: { ms: number; count?: number };
}

export const DEFAULT_REFUSAL_REASON = 'PMH 側の処理でエラーが発生したため、ファイル全体を受け付けられませんでした。';
export const DEFAULT_ROW_REJECTION = 'PMH 側の照合でエラーになりました';

const count = z.number().int().positive().optional();
const pathPrefix = z.string().startsWith('/').optional();

const faultsSchema = z
  .object({
    slow: z.object({ ms: z.number().int().nonnegative(), count, path: pathPrefix }).strict().optional(),
    httpError: z
      .object({ status: z.union([z.literal(500), z.literal(502), z.literal(503)]), count, path: pathPrefix })
      .strict()
      .optional(),
    maintenance: z.object({ count, status: z.union([z.literal(200), z.literal(503)]).optional() }).strict().optional(),
    expireSession: z.object({ at: z.enum(['/menu', '/upload', '/upload/confirm', '/history']) }).strict().optional(),
    renameLabels: z.record(z.string().min(1), z.string()).optional(),
    neverFinish: z.boolean().optional(),
    refuseNextUpload: z.object({ reason: z.string().min(1).optional() }).strict().optional(),
    rejectRows: z
      .object({
        historyKeys: z.array(z.string().min(1)).optional(),
        everyNth: z.number().int().positive().optional(),
        message: z.string().min(1).optional(),
      })
      .strict()
      .optional(),
    duplicateWarning: z.boolean().optional(),
    confirmStyle: z.enum(['page', 'modal', 'native']).optional(),
    api: z
      .object({
        status: z.union([z.literal(429), z.literal(500), z.literal(503)]),
        count,
        retryAfterSeconds: z.number().int().nonnegative().optional(),
      })
      .strict()
      .optional(),
    apiSlow: z.object({ ms: z.number().int().nonnegative(), count }).strict().optional(),
  })
  .strict();

export class InvalidFaultsError extends Error {
  override readonly name = 'InvalidFaultsError';
}

/** Checks a fault set from JSON; throws InvalidFaultsError naming the bad or unknown keys. */
export function parseFaults(value: unknown): SimFaults {
  const result = faultsSchema.safeParse(value);
  if (!result.success) throw new InvalidFaultsError(z.prettifyError(result.error));
  return dropUndefined(result.data) as SimFaults;
}

/** What the faults in force when an upload was registered decide about its processing. */
export interface UploadPlan {
  neverFinish: boolean;
  refusalReason: string | null;
  /** The message to reject a row with, or null to leave it to the real checks. */
  rejectRow: ((historyKey: string, dataRow: number) => string | null) | null;
}

export interface ResponseFault {
  delayMs: number;
  maintenanceStatus: 200 | 503 | null;
  errorStatus: 500 | 502 | 503 | null;
}

/** The fault set in force, with what is left of each counted fault. */
export class FaultState {
  private faults: SimFaults = {};
  private readonly plans = new Map<string, UploadPlan>();

  /** Replaces the whole set; counts start again from the values given. */
  replace(faults: SimFaults): void {
    this.faults = structuredClone(faults);
  }

  clear(): void {
    this.faults = {};
    this.plans.clear();
  }

  /** The set in force; counted faults show the responses they have left. */
  current(): SimFaults {
    return structuredClone(this.faults);
  }

  /** Decides, and uses up, what happens to one screen response. */
  takeResponseFault(pathname: string): ResponseFault {
    const fault: ResponseFault = { delayMs: 0, maintenanceStatus: null, errorStatus: null };
    const { slow, maintenance, httpError } = this.faults;
    if (slow && matches(slow.path, pathname)) {
      fault.delayMs = slow.ms;
      this.useOnce('slow');
    }
    if (maintenance) {
      fault.maintenanceStatus = maintenance.status ?? 503;
      this.useOnce('maintenance');
    } else if (httpError && matches(httpError.path, pathname)) {
      fault.errorStatus = httpError.status;
      this.useOnce('httpError');
    }
    return fault;
  }

  /** Decides, and uses up, whether a registration API request is answered by a fault. */
  takeApiFault(): { status: 429 | 500 | 503; retryAfterSeconds: number | null } | null {
    const api = this.faults.api;
    if (!api) return null;
    this.useOnce('api');
    return { status: api.status, retryAfterSeconds: api.retryAfterSeconds ?? null };
  }

  /** Decides, and uses up, how long a registration API request waits before it is processed. */
  takeApiDelay(): number {
    const slow = this.faults.apiSlow;
    if (!slow) return 0;
    this.useOnce('apiSlow');
    return slow.ms;
  }

  /** True once: for the first request of a logged-in session at the expiry point. */
  takeSessionExpiry(pathname: string): boolean {
    const at = this.faults.expireSession?.at;
    if (at === undefined || !pathname.startsWith(at)) return false;
    delete this.faults.expireSession;
    return true;
  }

  /** As takeSessionExpiry, for a screen whose pages stand for the classic points named. */
  takeSessionExpiryAt(points: readonly ExpiryPoint[]): boolean {
    const at = this.faults.expireSession?.at;
    if (at === undefined || !points.includes(at)) return false;
    delete this.faults.expireSession;
    return true;
  }

  renameLabels(html: string): string {
    const renames = this.faults.renameLabels;
    if (!renames) return html;
    let renamed = html;
    for (const [from, to] of Object.entries(renames)) renamed = renamed.replaceAll(from, to);
    return renamed;
  }

  confirmStyle(): ConfirmStyle {
    return this.faults.confirmStyle ?? 'page';
  }

  /** The confirmStyle fault as set; null when unset (a screen may then confirm its own way). */
  chosenConfirmStyle(): ConfirmStyle | null {
    return this.faults.confirmStyle ?? null;
  }

  warnsOfDuplicates(): boolean {
    return this.faults.duplicateWarning === true;
  }

  /** Fixes, at registration, how the faults in force treat this upload (uses up refuseNextUpload). */
  planUpload(uploadId: string): void {
    const { neverFinish, refuseNextUpload, rejectRows } = this.faults;
    if (refuseNextUpload) delete this.faults.refuseNextUpload;
    if (!neverFinish && !refuseNextUpload && !rejectRows) return;
    this.plans.set(uploadId, {
      neverFinish: neverFinish === true,
      refusalReason: refuseNextUpload ? (refuseNextUpload.reason ?? DEFAULT_REFUSAL_REASON) : null,
      rejectRow: rejectRows ? rowRejecter(rejectRows) : null,
    });
  }

  planOf(uploadId: string): UploadPlan | undefined {
    return this.plans.get(uploadId);
  }

  forgetPlan(uploadId: string): void {
    this.plans.delete(uploadId);
  }

  private useOnce(name: 'slow' | 'maintenance' | 'httpError' | 'api' | 'apiSlow'): void {
    const fault = this.faults[name];
    if (fault?.count === undefined) return;
    if (fault.count <= 1) delete this.faults[name];
    else fault.count--;
  }
}

function matches(prefix: string | undefined, pathname: string): boolean {
  return prefix === undefined || pathname.startsWith(prefix);
}

function rowRejecter(rule: NonNullable<SimFaults['rejectRows']>): UploadPlan['rejectRow'] {
  const keys = new Set(rule.historyKeys ?? []);
  const every = rule.everyNth;
  const message = rule.message ?? DEFAULT_ROW_REJECTION;
  return (historyKey, dataRow) =>
    keys.has(historyKey) || (every !== undefined && dataRow % every === 0) ? message : null;
}

function dropUndefined(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropUndefined);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, dropUndefined(v)]),
  );
}
