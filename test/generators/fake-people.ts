/**
 * Generated fake people: names put together from common-word parts, addresses in a
 * municipality that does not exist, and My Numbers with valid check digits but random
 * bodies. No real personal data is ever used.
 */
import { myNumberCheckDigit } from '../../bot/records/check-digits.ts';
import type { Random } from './random.ts';

const FAMILY: readonly [string, string][] = [
  ['佐藤', 'サトウ'], ['鈴木', 'スズキ'], ['高橋', 'タカハシ'], ['田中', 'タナカ'], ['伊藤', 'イトウ'],
  ['渡辺', 'ワタナベ'], ['山本', 'ヤマモト'], ['中村', 'ナカムラ'], ['小林', 'コバヤシ'], ['加藤', 'カトウ'],
  ['吉田', 'ヨシダ'], ['山田', 'ヤマダ'], ['佐々木', 'ササキ'], ['松本', 'マツモト'], ['井上', 'イノウエ'],
  ['木村', 'キムラ'], ['林', 'ハヤシ'], ['清水', 'シミズ'], ['森', 'モリ'], ['池田', 'イケダ'],
];
const GIVEN_MALE: readonly [string, string][] = [
  ['太郎', 'タロウ'], ['翔', 'ショウ'], ['大翔', 'ヒロト'], ['蓮', 'レン'], ['悠真', 'ユウマ'],
  ['湊', 'ミナト'], ['健一', 'ケンイチ'], ['誠', 'マコト'], ['浩二', 'コウジ'], ['陽太', 'ヨウタ'],
];
const GIVEN_FEMALE: readonly [string, string][] = [
  ['花子', 'ハナコ'], ['陽葵', 'ヒマリ'], ['結衣', 'ユイ'], ['さくら', 'サクラ'], ['美咲', 'ミサキ'],
  ['葵', 'アオイ'], ['由美', 'ユミ'], ['恵子', 'ケイコ'], ['真由美', 'マユミ'], ['凛', 'リン'],
];
const TOWNS = ['みなと町', '中央', '東町', '西町', '南台', '北浜', '桜ヶ丘', '緑町', '本町', '若葉'];

/** The fictional municipality every generated address belongs to. */
export const FAKE_MUNICIPALITY = '架空県みなと市';

export interface FakePerson {
  myNumber: string;
  name: string;
  nameKana: string;
  address: string;
  /** YYYY-MM-DD */
  dateOfBirth: string;
  /** registry code: '1' male, '2' female */
  sexCode: '1' | '2';
}

export function fakeMyNumber(random: Random): string {
  const body = random.digits(11);
  return body + String(myNumberCheckDigit(body));
}

export function fakePerson(random: Random, birthYearFrom: number, birthYearTo: number): FakePerson {
  const sexCode = random.chance(0.5) ? '1' : '2';
  const [family, familyKana] = random.pick(FAMILY);
  const [given, givenKana] = random.pick(sexCode === '1' ? GIVEN_MALE : GIVEN_FEMALE);
  const year = random.int(birthYearFrom, birthYearTo);
  const month = random.int(1, 12);
  const day = random.int(1, 28);
  return {
    myNumber: fakeMyNumber(random),
    name: `${family}　${given}`,
    nameKana: `${familyKana}　${givenKana}`,
    address: `${FAKE_MUNICIPALITY}${random.pick(TOWNS)}${random.int(1, 9)}丁目${random.int(1, 30)}番${random.int(1, 20)}号`,
    dateOfBirth: `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`,
    sexCode,
  };
}
