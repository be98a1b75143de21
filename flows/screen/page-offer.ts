/**
 * What a page offered when a control the profile names was not there: its headings,
 * buttons, links and field labels, as a person reads them. Said in the error, so that a
 * vendor can correct the profile from the message alone (the screenshot and HTML are kept
 * beside it).
 */
import type { Page } from 'playwright-core';

const EACH = 12;

interface Offered {
  headings: string[];
  buttons: string[];
  links: string[];
  labels: string[];
}

const OFFER_SCRIPT = `(() => {
  const visible = (el) => { const box = el.getBoundingClientRect(); return box.width > 0 && box.height > 0; };
  const names = (selector, nameOf) => [...new Set([...document.querySelectorAll(selector)].filter(visible)
    .map((el) => nameOf(el).replace(/\\s+/g, ' ').trim()).filter(Boolean))].slice(0, EACH);
  const text = (el) => el.innerText || el.textContent || '';
  const control = (el) => el.getAttribute('aria-label') || (el.tagName === 'INPUT' ? el.value : text(el));
  return {
    headings: names('h1,h2,h3,h4,h5,h6,[role=heading]', text),
    buttons: names('button,input[type=submit],input[type=button],[role=button]', control),
    links: names('a[href],[role=link]', control),
    labels: names('label', text),
  };
})()`;

export async function offeredControls(page: Page): Promise<string> {
  // A string, not a function: the test runner's transpiler wraps functions in helpers the page does not have.
  const seen = (await page.evaluate(OFFER_SCRIPT.replace('EACH', String(EACH))).catch(() => null)) as Offered | null;
  if (!seen) return '(the page could not be read)';
  const part = (title: string, items: string[]) => (items.length ? `${title}: ${items.map((i) => `「${i}」`).join(' ')}` : '');
  return [part('headings', seen.headings), part('buttons', seen.buttons), part('links', seen.links), part('labels', seen.labels)].filter(Boolean).join(' / ') || '(nothing readable)';
}
