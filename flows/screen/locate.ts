/**
 * A profile target as a Playwright locator: by role and accessible name, by a field's
 * label, or by visible text, inside its scope when it names one. Names match exactly;
 * `{name}` placeholders take the run's values.
 */
import type { Locator, Page } from 'playwright-core';
import { CLICKABLE_ROLES, fillPlaceholders, type Placeholder, type Target, type TargetScope } from './profile-steps.ts';

export type Values = Partial<Record<Placeholder, string>>;

/** `row` is the upload's history row, for targets `within: upload_row`. */
export function locatorOf(page: Page, target: Target | Exclude<TargetScope, 'upload_row'>, values: Values = {}, row?: Locator): Locator {
  let scope: Page | Locator = page;
  if ('within' in target && target.within) {
    if (target.within === 'upload_row') {
      if (!row) throw new Error('within: upload_row is only known on the history');
      scope = row;
    } else {
      scope = locatorOf(page, target.within, values);
    }
  }
  const fill = (text: string) => fillPlaceholders(text, values);
  if ('role' in target) {
    const options = target.name === undefined ? {} : { name: fill(target.name), exact: true };
    if (target.role === 'clickable') {
      return CLICKABLE_ROLES.map((role) => scope.getByRole(role, options)).reduce((all, one) => all.or(one));
    }
    return scope.getByRole(target.role, options);
  }
  if ('label' in target) return scope.getByLabel(fill(target.label), { exact: true });
  return scope.getByText(fill(target.text));
}
