/**
 * Test-only pause points. With PMH_BOT_PAUSE_AT naming a point, the process writes the
 * point's name to PMH_BOT_PAUSE_FILE when it gets there and waits there for good, so that
 * a crash test can kill it at that exact moment. Without the variable it does nothing.
 */
import { writeFileSync } from 'node:fs';

export type PausePoint = 'answered-before-apply' | 'api-between-chunks';

export async function pausePoint(point: PausePoint): Promise<void> {
  if (process.env.PMH_BOT_PAUSE_AT !== point) return;
  const file = process.env.PMH_BOT_PAUSE_FILE;
  if (file) writeFileSync(file, point);
  // A timer keeps the event loop (and so the process) alive until the test kills it.
  await new Promise(() => setInterval(() => undefined, 60_000));
}
