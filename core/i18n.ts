/**
 * Operators read Japanese; English is available for vendors. The language is chosen once
 * per process (PMH_BOT_LANG or the CLI's --lang) and every operator-facing text has both.
 */
export type Lang = 'ja' | 'en';

export interface Bilingual {
  ja: string;
  en: string;
}

/** A value that may fill a `{name}` placeholder. */
export type FillValue = string | number;

/**
 * The `{name}` placeholders of a text known literally, as a union of names
 * ('{file} near line {line}' -> 'file' | 'line'); never for a text without any.
 */
export type PlaceholdersOf<Text extends string> = Text extends `${string}{${infer Name}}${infer Rest}`
  ? Name | PlaceholdersOf<Rest>
  : never;

/**
 * The values a text needs: exactly one per placeholder when the text is known literally
 * (a missing or misspelt name is a compile error instead of a `{name}` an operator
 * reads), none when it has no placeholder. A text typed only as `string` (read from a
 * table typed `Record<string, Bilingual>`) cannot be checked and takes any values.
 */
export type FillParams<Text extends string> = string extends Text
  ? Record<string, FillValue>
  : [PlaceholdersOf<Text>] extends [never]
    ? Record<string, never>
    : { [Name in PlaceholdersOf<Text>]: FillValue };

/** The params argument of t() and fill(): optional only when there is nothing to fill. */
export type FillArgs<Text extends string> = string extends Text
  ? [params?: Record<string, FillValue>]
  : [PlaceholdersOf<Text>] extends [never]
    ? [params?: Record<string, never>]
    : [params: FillParams<Text>];

let current: Lang = process.env.PMH_BOT_LANG === 'en' ? 'en' : 'ja';

export function setLang(lang: Lang): void {
  current = lang;
}

export function lang(): Lang {
  return current;
}

/**
 * Picks the current language's text and fills `{name}` placeholders. A text written in
 * place (or in an `as const` table) must be given exactly its placeholders' values.
 */
export function t<const T extends Bilingual>(text: T, ...[params]: FillArgs<T['ja'] | T['en']>): string {
  return fillAny(text[current], params ?? {});
}

/** Fills `{name}` placeholders, checked like t()'s. */
export function fill<const Text extends string>(template: Text, ...[params]: FillArgs<Text>): string {
  return fillAny(template, params ?? {});
}

/** The unchecked fill, for texts whose placeholders were checked where the values were given. */
export function fillAny(template: string, params: Readonly<Record<string, FillValue>>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) =>
    key in params ? String(params[key]) : whole,
  );
}
