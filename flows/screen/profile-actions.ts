/**
 * The extra actions a screen profile may add at fixed points of the flow (acknowledge a
 * notice after login, tick a consent box before submitting), located like everything
 * else: by role and name, or by label.
 */
import type { Page } from 'playwright-core';
import type { ProfileAction } from './profile.ts';

export function describeAction(action: ProfileAction): string {
  const [verb, target] = Object.entries(action)[0]!;
  return `${verb} ${JSON.stringify(target)}`;
}

export async function runProfileActions(page: Page, actions: readonly ProfileAction[]): Promise<void> {
  for (const action of actions) {
    if ('click' in action) {
      await page.getByRole(action.click.role, { name: action.click.name, exact: true }).click();
    } else if ('check' in action) {
      await page.getByLabel(action.check.label, { exact: true }).check();
    } else if ('fill' in action) {
      await page.getByLabel(action.fill.label, { exact: true }).fill(action.fill.value);
    } else if ('select' in action) {
      await page.getByLabel(action.select.label, { exact: true }).selectOption(action.select.value);
    } else if ('role' in action.wait_for) {
      await page.getByRole(action.wait_for.role, { name: action.wait_for.name, exact: true }).waitFor();
    } else {
      await page.getByText(action.wait_for.text).first().waitFor();
    }
  }
}
