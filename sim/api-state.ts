// What the simulated registration API keeps besides the records: the tokens it accepts, its
// size limits, and a log of every request it answered, so that tests can prove "each record
// reached PMH exactly once" (GET /__sim/api/requests). Kept in memory: a restart forgets it.

/** One record of a processed request, by its key; personal data is limited to the key PMH matches on. */
export interface ApiRecordKey {
  /** 0-based position in the request's array. */
  index: number;
  certificateTypeId: string;
  myNumber: string;
  historyKey: string;
  isDeleted: boolean;
  accepted: boolean;
}

export interface ApiRequestEntry {
  /** 1, 2, ... in arrival order. */
  id: number;
  at: string;
  /** The HTTP status answered. */
  status: number;
  /** missing: no bearer token; wrong: not one of the accepted tokens; skipped: answered by a fault first. */
  authorization: 'ok' | 'missing' | 'wrong' | 'skipped';
  bytes: number;
  /** Records in the body, when it was read as a JSON array. */
  records: number | null;
  accepted: number | null;
  rejected: number | null;
  /** The simulator's upload the accepted records were stored under (also listed by /__sim/uploads). */
  uploadId: string | null;
  /** Only for processed requests (200). */
  keys: ApiRecordKey[];
}

export interface ApiStats {
  requests: number;
  unauthorized: number;
  tooLarge: number;
  badRequests: number;
  faulted: number;
  processed: number;
  recordsAccepted: number;
  recordsRejected: number;
  /** Requests read in full and now held by the apiSlow fault, not yet answered. */
  held: number;
}

/** Requests kept in the log; older ones are dropped (a long demo must not grow without bound). */
const LOG_LIMIT = 5000;

export const DEFAULT_API_MAX_RECORDS = 1000;
export const DEFAULT_API_MAX_BYTES = 16 * 1024 * 1024;

export class ApiState {
  private log: ApiRequestEntry[] = [];
  private nextId = 1;
  private counters: ApiStats = emptyStats();

  constructor(
    readonly tokens: readonly string[],
    readonly maxRecords: number,
    readonly maxBytes: number,
  ) {}

  record(entry: Omit<ApiRequestEntry, 'id' | 'at'>): ApiRequestEntry {
    const full: ApiRequestEntry = { id: this.nextId++, at: new Date().toISOString(), ...entry };
    this.log.push(full);
    if (this.log.length > LOG_LIMIT) this.log.splice(0, this.log.length - LOG_LIMIT);
    const c = this.counters;
    c.requests++;
    if (entry.status === 401) c.unauthorized++;
    else if (entry.status === 413) c.tooLarge++;
    else if (entry.status === 400) c.badRequests++;
    else if (entry.status === 200) {
      c.processed++;
      c.recordsAccepted += entry.accepted ?? 0;
      c.recordsRejected += entry.rejected ?? 0;
    } else if (entry.authorization === 'skipped') c.faulted++;
    return full;
  }

  entries(): ApiRequestEntry[] {
    return this.log.map((entry) => ({ ...entry, keys: [...entry.keys] }));
  }

  stats(): ApiStats {
    return { ...this.counters, held: this.heldNow };
  }

  /** Requests the apiSlow fault is holding right now. */
  private heldNow = 0;

  hold(): () => void {
    this.heldNow += 1;
    let released = false;
    return () => {
      if (!released) this.heldNow -= 1;
      released = true;
    };
  }

  reset(): void {
    this.log = [];
    this.nextId = 1;
    this.counters = emptyStats();
  }
}

function emptyStats(): ApiStats {
  return { requests: 0, unauthorized: 0, tooLarge: 0, badRequests: 0, faulted: 0, processed: 0, recordsAccepted: 0, recordsRejected: 0, held: 0 };
}
