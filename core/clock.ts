/** Dates as the municipality sees them: Asia/Tokyo, whatever the terminal's zone. */

// 'sv-SE' formats as ISO-like "2026-11-24 18:05:03".
const tokyoDateFormat = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Asia/Tokyo' });
const tokyoDateTimeFormat = new Intl.DateTimeFormat('sv-SE', {
  timeZone: 'Asia/Tokyo',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

/** YYYY-MM-DD in Asia/Tokyo. */
export function tokyoDate(at: Date = new Date()): string {
  return tokyoDateFormat.format(at);
}

/** A local time for an operator: 2026-11-24 18:05:03. */
export function tokyoDateTime(iso: string): string {
  return tokyoDateTimeFormat.format(new Date(iso));
}

/** YYYYMMDD-HHMMSS in Asia/Tokyo, for run IDs and file names. */
export function tokyoStamp(at: Date = new Date()): string {
  return tokyoDateTimeFormat.format(at).replace(/[-:]/g, '').replace(' ', '-');
}
