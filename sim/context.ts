// Everything a request handler needs, built once per simulator.

import type { FaultState } from './faults.ts';
import type { PendingLogins } from './pending-logins.ts';
import type { PendingUploads } from './pending-uploads.ts';
import type { PortalState } from './portal-state.ts';
import type { SimCertificateType, SimUser } from './types.ts';
import type { Sessions } from './sessions.ts';
import type { StatsCounter } from './stats.ts';
import type { SimStore } from './store.ts';
import type { UploadQueue } from './upload-queue.ts';

export interface SimContext {
  store: SimStore;
  sessions: Sessions;
  /** Logins waiting for the one-time password. */
  pendingLogins: PendingLogins;
  pending: PendingUploads;
  /** The portal screen's path tokens and notice acknowledgements (unused by the classic screen). */
  portal: PortalState;
  faults: FaultState;
  stats: StatsCounter;
  /** Aborted when the simulator closes (ends a slow response early). */
  shutdown: AbortSignal;
  queue: UploadQueue;
  users: readonly SimUser[];
  certificateTypes: readonly SimCertificateType[];
  /** Files posted but not yet confirmed. */
  pendingDir: string;
  /** Files of registered uploads, until they are processed. */
  uploadDir: string;
}

export function certificateTypeLabel(ctx: SimContext, id: string): string {
  const type = ctx.certificateTypes.find((t) => t.id === id);
  return type ? `${type.id} ${type.name}` : id;
}
