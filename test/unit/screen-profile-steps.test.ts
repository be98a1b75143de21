import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ConfigError } from '../../config/config-error.ts';
import { DEFAULT_SCREEN_PROFILE_PATH, loadScreenProfile, parseScreenProfile, typeLabelProblems } from '../../flows/screen/profile.ts';
import { describeStep } from '../../flows/screen/profile-steps.ts';
import { PORTAL_PROFILE } from '../helpers/demo-env.ts';

const classic = readFileSync(DEFAULT_SCREEN_PROFILE_PATH, 'utf8');
const portal = readFileSync(PORTAL_PROFILE, 'utf8');

/** The problems a profile text is refused with, as `path@line: en`. */
function problemsOf(source: string): string[] {
  try {
    parseScreenProfile('p.yaml', source);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.problems.map((p) => `${p.path}@${p.line}: ${p.en}`);
  }
  assert.fail('the profile was accepted');
}

describe('screen profile as steps', () => {
  it('the simple keys of the shipped profile become the default steps of every phase, each reported against its key', () => {
    const { flow } = loadScreenProfile();
    assert.deepEqual(
      flow.login.steps.map((s) => [s.key, describeStep(s)]),
      [
        ['paths.login', 'goto /login'],
        ['login.user_id_label', 'fill label "ユーザーID"'],
        ['login.password_label', 'fill label "パスワード"'],
        ['login.submit_button', 'click button "ログイン"'],
      ],
    );
    assert.deepEqual(flow.upload.fill.map((s) => s.key), ['upload.certificate_type_label', 'upload.mode_labels', 'upload.file_label']);
    assert.deepEqual(flow.upload.confirm.map((s) => describeStep(s)), ['click button "確認画面へ"', 'wait_for heading "アップロード内容の確認"']);
    assert.equal(describeStep(flow.upload.submit), 'click button "登録する"');
    assert.equal(describeStep(flow.history.refresh[0]!), 'click link "最新の情報に更新"');
    assert.equal(describeStep(flow.history.openErrorList[0]!), 'click link "エラー一覧" in the upload\'s history row');
    assert.deepEqual(flow.errors.download.target, { role: 'link', name: 'エラー一覧をダウンロード' });
    assert.equal(flow.loginPath, '/login');
    // Lines point at the keys in the file.
    const submitLine = classic.split('\n').findIndex((l) => l.includes('submit_button: 登録する')) + 1;
    assert.equal(flow.upload.submit.line, submitLine);
  });

  it('the confirmation styles of the simple keys: a modal looks inside the dialog, native answers the browser\'s dialog', () => {
    const modal = parseScreenProfile('m.yaml', classic.replace('  style: page\n', '  style: modal\n')).flow;
    assert.equal(describeStep(modal.upload.submit), 'click button "登録する" in dialog');
    const native = parseScreenProfile('n.yaml', classic.replace('  style: page\n', '  style: native\n')).flow;
    assert.deepEqual(native.upload.submit.dialog, { text: 'この内容で登録してよろしいですか', answer: 'accept', type: 'confirm' });
  });

  it('a profile written as steps: roles other than the defaults, menus, a conditional notice, a dialog on the form\'s own button, labels for types, CP932', () => {
    const profile = loadScreenProfile(PORTAL_PROFILE);
    const { flow } = profile;
    assert.deepEqual(flow.upload.open.map((s) => describeStep(s)), ['click link "データ連携"', 'click link "ファイル送信"']);
    assert.deepEqual(flow.upload.confirm, []);
    assert.deepEqual(flow.upload.submit.dialog, { text: 'ファイルを送信します', answer: 'accept' });
    assert.deepEqual(flow.afterLogin[0]!.when, { role: 'heading', name: '本日のお知らせ' });
    assert.equal(describeStep(flow.history.refresh[0]!), 'click button "再表示"');
    assert.equal(describeStep(flow.logout[0]!), 'click link "ログオフ"');
    assert.equal(describeStep(flow.upload.fill[0]!, { type_label: '子ども医療費受給者証' }), 'select label "助成制度" → option "子ども医療費受給者証"');
    assert.equal(profile.errors.encoding, 'cp932');
    assert.deepEqual(typeLabelProblems(profile, ['990001KODOMO']), []);
    assert.deepEqual(typeLabelProblems(profile, ['990001KODOMO', '990009OTHER']), ['upload.certificate_types.990009OTHER.label']);
    // The classic profile chooses by value: no label is needed.
    assert.deepEqual(typeLabelProblems(loadScreenProfile(), ['990009OTHER']), []);
  });

  it('a step that names no action, two actions, an unknown role or an unknown key is refused with its path and line', () => {
    const source = portal.replace(
      "    - click: { role: link, name: ファイル送信 }\n",
      "    - click: { role: link, name: ファイル送信 }\n    - { optional: true }\n    - click: { role: link, name: a }\n      goto: /x\n    - click: { role: buttn, name: b }\n    - tap: { role: button, name: c }\n",
    );
    const line = portal.split('\n').findIndex((l) => l.includes('name: ファイル送信')) + 2;
    const problems = problemsOf(source);
    assert.ok(problems.includes(`upload.open[2]@${line}: a step needs one of goto, click, check, uncheck, fill, select, attach, wait_for, reload`), problems.join('\n'));
    assert.ok(problems.includes(`upload.open[3]@${line + 1}: a step does one thing: goto and click`), problems.join('\n'));
    assert.ok(problems.some((p) => p.startsWith(`upload.open[4].click.role@${line + 3}: allowed values:`)), problems.join('\n'));
    assert.ok(problems.some((p) => p.startsWith(`upload.open[5]@${line + 4}: unknown key tap`)), problems.join('\n'));
  });

  it('a target must say how it is found, a select needs option or value, a dialog goes with a click', () => {
    const problems = problemsOf(
      portal
        .replace("    - select: { label: 送信区分, option: '{mode_label}' }", '    - select: { label: 送信区分 }')
        .replace('    - click: { role: link, name: データ連携 }\n    - click: { role: link, name: 処理状況照会 }', '    - click: { name: データ連携 }\n    - wait_for: { role: link, name: 処理状況照会 }\n      dialog: { text: x }'),
    );
    assert.ok(problems.some((p) => p.startsWith('upload.fill[1].select@') && p.includes('option (the label shown) or value')), problems.join('\n'));
    assert.ok(problems.some((p) => p.startsWith('history.open[0].click@') && p.includes('a target needs role')), problems.join('\n'));
    assert.ok(problems.some((p) => p.startsWith('history.open[1].dialog@') && p.includes('dialog goes with click')), problems.join('\n'));
  });

  it('placeholders: unknown names, the password outside the login, the password outside a fill value are refused', () => {
    const problems = problemsOf(
      portal
        .replace("    - fill: { label: パスワード, value: '{password}' }", "    - fill: { label: パスワード, value: '{pasword}' }\n    - wait_for: { text: '{password}' }")
        .replace("    - select: { label: 送信区分, option: '{mode_label}' }", "    - fill: { label: 備考, value: '{password}' }"),
    );
    assert.ok(problems.some((p) => p.startsWith('login.steps[2].fill.value@') && p.includes('there is no value {pasword}')), problems.join('\n'));
    assert.ok(problems.some((p) => p.startsWith('login.steps[3].wait_for.text@') && p.includes('may only be a fill\'s value')), problems.join('\n'));
    assert.ok(problems.some((p) => p.startsWith('upload.fill[1].fill.value@') && p.includes('cannot be used in this phase')), problems.join('\n'));
  });

  it('a phase with neither its steps nor the simple keys its default needs is refused naming both', () => {
    const problems = problemsOf(classic.replace('  refresh_link: 最新の情報に更新\n', '').replace('  file_label: アップロードファイル\n', ''));
    assert.ok(problems.some((p) => p.startsWith('history.refresh_link@') && p.includes('needed unless history.refresh is written out as steps')), problems.join('\n'));
    assert.ok(problems.some((p) => p.startsWith('upload.file_label@') && p.includes('needed unless upload.fill')), problems.join('\n'));
  });

  it('the final submit is one plain click, the upload form attaches the files, the login starts at a URL', () => {
    const problems = problemsOf(
      portal
        .replace('    click: { role: button, name: 送信する }\n    dialog: { text: ファイルを送信します, answer: accept }', '    click: { role: button, name: 送信する }\n    optional: true')
        .replace('    - attach: { label: 送信ファイル }\n', '')
        .replace('    - goto: /portal/\n', ''),
    );
    assert.ok(problems.some((p) => p.startsWith('confirm.submit@') && p.includes('one click')), problems.join('\n'));
    assert.ok(problems.some((p) => p.startsWith('upload.fill@') && p.includes('attach')), problems.join('\n'));
    assert.ok(problems.some((p) => p.startsWith('login.steps[0]@') && p.includes('start with goto')), problems.join('\n'));
  });

  it('the messages an operator reads are in Japanese too', () => {
    try {
      parseScreenProfile('p.yaml', portal.replace("    - attach: { label: 送信ファイル }\n", "    - attach: { label: 送信ファイル }\n    - { optional: true }\n"));
      assert.fail('accepted');
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      assert.match(error.describeIn('ja').message, /手順には goto, click/);
      assert.match(error.describeIn('ja').message, /upload\.fill\[3\]（\d+ 行目）/);
    }
  });
});
