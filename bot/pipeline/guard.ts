/** The mass-change guard: a run that would change too much of what PMH holds waits for an operator. */
import { pmhError } from '../../core/errors.ts';
import type { RunContext } from './context.ts';

export function percent(ratio: number): string {
  return `${(ratio * 100).toFixed(1)}%`;
}

export /** Stops a run that would delete or change too much of what PMH holds, before anything is sent. */
function checkMassChange(ctx: RunContext): void {
  const { before, population, changed, gone } = ctx.diff;
  if (before === 0) return;
  const changeRatio = (changed + gone) / before;
  const dropRatio = (before - population) / before;
  const { max_change_ratio: maxChange, max_population_drop_ratio: maxDrop } = ctx.config.guard;
  if (changeRatio > maxChange || dropRatio > maxDrop) {
    const overChange = changeRatio > maxChange;
    throw pmhError('MassChangeGuard', {
      before, deleted: gone, changed, population, runId: ctx.id,
      ratio: overChange ? percent(changeRatio) : `${percent(dropRatio)} の減少`,
      limit: overChange ? percent(maxChange) : percent(maxDrop),
    });
  }
}
