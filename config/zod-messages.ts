/**
 * zod's issues told in the operator's words. Only the codes the schema can produce are
 * translated; anything else falls back to zod's own English message.
 */
import type { z } from 'zod';
import type { Bilingual } from '../core/i18n.ts';

type Issue = z.core.$ZodIssue;

function list(values: readonly unknown[]): string {
  return values.map((v) => JSON.stringify(v)).join(', ');
}

/** `present`: whether the key is written in the YAML at all. */
export function describeIssue(issue: Issue, present: boolean): Bilingual {
  switch (issue.code) {
    case 'invalid_type':
      if (!present) {
        const because = /^needed by transport: (\w+)$/.exec(issue.message)?.[1];
        return because
          ? { ja: `必須の項目がありません（transport: ${because} のとき必要です）`, en: `required key is missing (transport: ${because} needs it)` }
          : { ja: '必須の項目がありません', en: 'required key is missing' };
      }
      return { ja: `値の種類が違います（${issue.expected} を指定してください）`, en: `expected ${issue.expected}` };
    case 'unrecognized_keys':
      return {
        ja: `不明なキー ${issue.keys.join(', ')} があります（綴りを確認してください）`,
        en: `unknown key ${issue.keys.join(', ')} (check the spelling)`,
      };
    case 'invalid_value':
      return { ja: `使える値は ${list(issue.values)} です`, en: `allowed values: ${list(issue.values)}` };
    case 'invalid_union': {
      // A discriminated union names its discriminator (client of a source, transport of pmh).
      const key = String(issue.path.at(-1) ?? 'client');
      return { ja: `値の組み合わせが正しくありません（${key} の値を確認してください）`, en: `no allowed form matches (check ${key})` };
    }
    case 'too_small':
      return issue.origin === 'array' || issue.origin === 'set'
        ? { ja: `${issue.minimum} 件以上必要です`, en: `needs at least ${issue.minimum} entries` }
        : issue.origin === 'string'
          ? { ja: `${issue.minimum} 文字以上で指定してください`, en: `needs at least ${issue.minimum} characters` }
          : { ja: `${issue.minimum} 以上で指定してください`, en: `must be at least ${issue.minimum}` };
    case 'too_big':
      return issue.origin === 'string'
        ? { ja: `${issue.maximum} 文字以内で指定してください`, en: `at most ${issue.maximum} characters` }
        : { ja: `${issue.maximum} 以下で指定してください`, en: `must be at most ${issue.maximum}` };
    case 'invalid_format':
      if (issue.format === 'url') {
        return { ja: 'http:// または https:// で始まる URL を指定してください', en: 'must be an http(s) URL' };
      }
      return { ja: `形式が違います（${formatJa(issue.message)}）`, en: `wrong format (${issue.message})` };
    case 'custom': {
      // A check written for an operator carries its Japanese text in params.ja.
      const ja = (issue.params as { ja?: unknown } | undefined)?.ja;
      return typeof ja === 'string' ? { ja, en: issue.message } : { ja: `値が正しくありません（${issue.message}）`, en: issue.message };
    }
    default:
      return { ja: `値が正しくありません（${issue.message}）`, en: issue.message };
  }
}

const FORMAT_JA: Record<string, string> = {
  'a date written YYYY-MM-DD': 'YYYY-MM-DD 形式の日付',
  '6 half-width digits': '半角数字 6 桁',
  'half-width letters and digits only': '半角英数字のみ',
  'lower-case letters, digits and _': '半角英小文字・数字・_ のみ',
  'environment variable names use letters, digits and _': '環境変数名（半角英数字と _）',
};

function formatJa(message: string): string {
  return FORMAT_JA[message] ?? message;
}

/** `programs[0].sql` style, as an operator would point at it in the YAML. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => {
    if (typeof key === 'number') return `${out}[${key}]`;
    return out ? `${out}.${String(key)}` : String(key);
  }, '') || '(ルート)';
}
