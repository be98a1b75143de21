// Logins that passed the password and wait for the one-time password. Keyed by the random
// value of the PMHLOGIN cookie; each lives five minutes.

import { randomBytes } from 'node:crypto';

export const PENDING_LOGIN_COOKIE = 'PMHLOGIN';
export const PENDING_LOGIN_SECONDS = 5 * 60;

interface PendingLogin {
  userId: string;
  expiresAt: number;
}

export class PendingLogins {
  private readonly byToken = new Map<string, PendingLogin>();

  create(userId: string, now = Date.now()): string {
    this.dropExpired(now);
    const token = randomBytes(24).toString('base64url');
    this.byToken.set(token, { userId, expiresAt: now + PENDING_LOGIN_SECONDS * 1000 });
    return token;
  }

  /** The user waiting behind `token`, unless it expired. */
  userOf(token: string | undefined, now = Date.now()): string | undefined {
    if (token === undefined) return undefined;
    const pending = this.byToken.get(token);
    if (!pending) return undefined;
    if (pending.expiresAt <= now) {
      this.byToken.delete(token);
      return undefined;
    }
    return pending.userId;
  }

  finish(token: string): void {
    this.byToken.delete(token);
  }

  clear(): void {
    this.byToken.clear();
  }

  private dropExpired(now: number): void {
    for (const [token, pending] of this.byToken) if (pending.expiresAt <= now) this.byToken.delete(token);
  }
}
