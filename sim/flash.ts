// A one-time notice for the next page (logged out, session expired), carried in a cookie
// because the page that shows it comes after a redirect. Each screen keeps its own texts.

import { cookieHeader } from './http.ts';

const FLASH_COOKIE = 'PMHFLASH';

/** The Set-Cookie that leaves `key` for the next page. */
export function setFlash(key: string): string {
  return cookieHeader(FLASH_COOKIE, key);
}

/** The Set-Cookie that removes any notice left. */
export function clearFlash(): string {
  return cookieHeader(FLASH_COOKIE, '', { clear: true });
}

export function flashKey(cookies: Map<string, string>): string {
  return cookies.get(FLASH_COOKIE) ?? '';
}
