// What both screens do to let a user in and out: check the password, open a session, end
// it with everything it holds. The pages and the redirects are each screen's own.

import { timingSafeEqual } from 'node:crypto';
import type { SimContext } from './context.ts';
import type { Session } from './sessions.ts';
import type { SimUser } from './types.ts';

export function findUser(ctx: SimContext, userId: string, password: string): SimUser | undefined {
  return ctx.users.find((u) => u.userId === userId && sameSecret(u.password, password));
}

function sameSecret(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Ends the browser's previous session, if any, and opens a new one for `userId`. */
export function openSession(ctx: SimContext, userId: string, previous: Session | undefined): Session {
  if (previous) endSession(ctx, previous);
  const session = ctx.sessions.create(userId);
  ctx.stats.count('logins');
  return session;
}

/** Destroys the session with its unconfirmed files and its portal path token. */
export function endSession(ctx: SimContext, session: Session): void {
  ctx.pending.discardSession(session.id);
  ctx.portal.forgetSession(session.id);
  ctx.sessions.destroy(session.id);
}
