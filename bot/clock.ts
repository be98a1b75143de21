/** Dates as the municipality sees them: Asia/Tokyo, whatever the terminal's zone. */

const TOKYO = 'Asia/Tokyo';

/** YYYY-MM-DD in Asia/Tokyo. */
export function tokyoDate(at: Date = new Date()): string {
  return new Intl.DateTimeFormat('sv-SE', { timeZone: TOKYO }).format(at);
}

/** YYYYMMDD-HHMMSS in Asia/Tokyo, for run IDs and file names. */
export function tokyoStamp(at: Date = new Date()): string {
  const text = new Intl.DateTimeFormat('sv-SE', {
    timeZone: TOKYO,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).format(at);
  return text.replace(/[-:]/g, '').replace(' ', '-');
}

/** A local time for an operator: 2026-11-24 18:05:03. */
export function tokyoDateTime(iso: string): string {
  return new Intl.DateTimeFormat('sv-SE', {
    timeZone: TOKYO,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).format(new Date(iso));
}
