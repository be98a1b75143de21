/**
 * Operators read Japanese; English is available for vendors. The language is chosen once
 * per process (PMH_BOT_LANG or the CLI's --lang) and every operator-facing text has both.
 */
export type Lang = 'ja' | 'en';

export interface Bilingual {
  ja: string;
  en: string;
}

let current: Lang = process.env.PMH_BOT_LANG === 'en' ? 'en' : 'ja';

export function setLang(lang: Lang): void {
  current = lang;
}

export function lang(): Lang {
  return current;
}

/** Picks the current language's text and fills `{name}` placeholders. */
export function t(text: Bilingual, params: Record<string, string | number> = {}): string {
  return fill(text[current], params);
}

export function fill(template: string, params: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) =>
    key in params ? String(params[key]) : whole,
  );
}
