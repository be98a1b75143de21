// Counters a test reads through GET /__sim/stats to prove what the bot did ("logged in
// twice", "registered exactly once") without scraping the screen.

export interface SimStats {
  logins: number;
  failedLogins: number;
  otpFailures: number;
  uploadPosts: number;
  registrations: number;
  /** Portal screen only: once-a-day notice pages served. */
  noticesShown?: number;
  /** Screen requests per pathname, with ids and tokens replaced by :id and :token. */
  requests: Record<string, number>;
}

type Counter = Exclude<keyof SimStats, 'requests'>;

export class StatsCounter {
  private counters: Record<Counter, number> = emptyCounters();
  private readonly requests = new Map<string, number>();

  /** `countsNotices`: the screen has a notice page, so the snapshot shows noticesShown. */
  constructor(private readonly countsNotices = false) {}

  count(counter: Counter): void {
    this.counters[counter]++;
  }

  request(pathname: string): void {
    const key = normalisePath(pathname);
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
  }

  snapshot(): SimStats {
    const { noticesShown, ...counters } = this.counters;
    return { ...counters, ...(this.countsNotices ? { noticesShown } : {}), requests: Object.fromEntries(this.requests) };
  }

  reset(): void {
    this.counters = emptyCounters();
    this.requests.clear();
  }
}

function emptyCounters(): Record<Counter, number> {
  return { logins: 0, failedLogins: 0, otpFailures: 0, uploadPosts: 0, registrations: 0, noticesShown: 0 };
}

export function normalisePath(pathname: string): string {
  return pathname
    .replace(/^\/upload\/confirm\/[^/]+$/, '/upload/confirm/:token')
    .replace(/^\/history\/[^/]+\/(errors|errors\.csv)$/, '/history/:id/$1')
    .replace(/^\/portal\/s\/[^/]+\//, '/portal/s/:token/')
    .replace(/^(\/portal\/s\/:token\/exchange\/send\/confirm\/)[^/]+$/, '$1:token')
    .replace(/^(\/portal\/s\/:token\/exchange\/send\/receipt\/)[^/]+$/, '$1:id')
    .replace(/^(\/portal\/s\/:token\/exchange\/status\/)[^/]+(\/errors|\/errors\.csv)$/, '$1:id$2');
}
