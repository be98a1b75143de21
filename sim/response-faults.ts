// The fault modes that act on a whole screen response before any route sees it: a slow
// answer, the maintenance page, an HTTP error. Counted per response by FaultState. Each
// screen brings its own maintenance and error pages.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SimContext } from './context.ts';
import { rewriteHtml, sendHtml } from './http.ts';

export interface FaultPages {
  maintenance(): string;
  systemError(): string;
}

/** Returns true when a fault answered the request (the route must not run). */
export async function answeredByFault(
  ctx: SimContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  pages: FaultPages,
): Promise<boolean> {
  rewriteHtml(res, (html) => ctx.faults.renameLabels(html));
  const fault = ctx.faults.takeResponseFault(url.pathname);
  if (fault.delayMs > 0) {
    try {
      await sleep(fault.delayMs, undefined, { signal: ctx.shutdown });
    } catch {
      req.resume();
      res.destroy(); // the simulator is closing
      return true;
    }
  }
  if (fault.maintenanceStatus !== null) {
    req.resume();
    sendHtml(res, fault.maintenanceStatus, pages.maintenance());
    return true;
  }
  if (fault.errorStatus !== null) {
    req.resume();
    sendHtml(res, fault.errorStatus, pages.systemError());
    return true;
  }
  return false;
}
