// What only the portal screen remembers: each session's random path prefix (so a page can
// only be reached through the links it was given) and who has acknowledged today's notice.
// In memory, like the sessions: a restart forgets both.

import { randomBytes } from 'node:crypto';

const JST_DATE = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Asia/Tokyo', year: 'numeric', month: '2-digit', day: '2-digit' });

/** "2025-04-01": the date in Japan at `now`. */
export function japanDate(now: Date): string {
  return JST_DATE.format(now);
}

export class PortalState {
  /** Session id -> the random hex its pages live under (/portal/s/<token>/...). */
  private readonly pathTokens = new Map<string, string>();
  /** User id -> the Japan date they last acknowledged the notice on. */
  private readonly acknowledged = new Map<string, string>();

  issuePathToken(sessionId: string): string {
    const token = randomBytes(16).toString('hex');
    this.pathTokens.set(sessionId, token);
    return token;
  }

  pathTokenOf(sessionId: string): string | undefined {
    return this.pathTokens.get(sessionId);
  }

  forgetSession(sessionId: string): void {
    this.pathTokens.delete(sessionId);
  }

  noticeDue(userId: string, now = new Date()): boolean {
    return this.acknowledged.get(userId) !== japanDate(now);
  }

  acknowledgeNotice(userId: string, now = new Date()): void {
    this.acknowledged.set(userId, japanDate(now));
  }

  forgetNotices(): void {
    this.acknowledged.clear();
  }
}
