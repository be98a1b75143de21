// Logged-in sessions, keyed by the random value of the PMHSESSION cookie. Kept in memory:
// a restart logs everyone out, as a real server restart would.

import { randomBytes } from 'node:crypto';

export const SESSION_COOKIE = 'PMHSESSION';

export interface Session {
  id: string;
  userId: string;
}

export class Sessions {
  private readonly byId = new Map<string, Session>();

  create(userId: string): Session {
    const session = { id: randomBytes(24).toString('base64url'), userId };
    this.byId.set(session.id, session);
    return session;
  }

  get(id: string | undefined): Session | undefined {
    return id === undefined ? undefined : this.byId.get(id);
  }

  destroy(id: string): void {
    this.byId.delete(id);
  }
}
