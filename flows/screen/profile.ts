/**
 * The screen profile: every URL, label, role and text the flow relies on, held in a YAML
 * file (config/screens/*.yaml) so the bot can be adapted to the real PMH screen, or to a
 * new release of it, by editing data, not code.
 *
 * Each phase of the flow (log in, after login, open the upload form, fill it, confirm,
 * submit, open the history, refresh it, open the error list, log out) runs a list of
 * declarative steps (profile-steps.ts). A phase a profile does not write out gets its
 * default steps from the simple keys (`login.user_id_label`, `paths.upload`, ...), so a
 * profile of simple keys only, as shipped, is a complete profile; a screen that differs in
 * structure writes the steps of the phases that differ. A bad profile stops the bot at
 * start-up with the path and line of the bad key, like the configuration does.
 */
import { z } from 'zod';
import type { ConfigProblem } from '../../config/config-error.ts';
import { parseYaml, readEditedFile, throwInvalid, type YamlDocument } from '../../config/yaml-document.ts';
import { formatPath } from '../../config/zod-messages.ts';
import {
  compileStep,
  placeholdersOf,
  PLACEHOLDERS,
  stepSchema,
  targetSchema,
  type Placeholder,
  type RawStep,
  type Step,
  type Target,
} from './profile-steps.ts';
import { appFile } from '../../core/app-root.ts';

export const DEFAULT_SCREEN_PROFILE_PATH = appFile('config', 'screens', 'pmh-simulator.yaml');

const text = z.string().min(1);
const path = z.string().regex(/^\//, 'a path starting with /');

const regexSource = (groups: number) =>
  text.refine((source) => {
    try {
      return new RegExp(`${source}|`).exec('')!.length - 1 >= groups;
    } catch {
      return false;
    }
  }, groups ? `a regular expression with ${groups} capture group(s) ( )` : 'a regular expression');

const steps = z.array(stepSchema);

const profileSchema = z.strictObject({
  profile: text,
  version: z.number().int().min(1),
  paths: z.strictObject({ login: path.optional(), upload: path.optional(), history: path.optional() }).default({}),
  login: z.strictObject({
    /** The default steps: open paths.login, fill these two fields, press submit_button. */
    user_id_label: text.optional(),
    password_label: text.optional(),
    submit_button: text.optional(),
    steps: steps.optional(),
    /** How the login form is recognised (a session that ended shows it mid-flow); default: the user-id field. */
    form: targetSchema.optional(),
    /** What a successful login shows: any one of them (a home page, or a notice shown instead). */
    success_heading: text.optional(),
    success: z.array(targetSchema).min(1).optional(),
    /** How PMH says no to a login; default: the page's alert. */
    refused: targetSchema.optional(),
    otp: z
      .strictObject({
        field_label: text.optional(),
        submit_button: text.optional(),
        field: targetSchema.optional(),
        steps: steps.optional(),
      })
      .optional(),
    session_expired_texts: z.array(text).default([]),
  }),
  maintenance_texts: z.array(text).default([]),
  after_login: steps.optional(),
  upload: z.strictObject({
    open: steps.optional(),
    fill: steps.optional(),
    certificate_type_label: text.optional(),
    /** How each certificate type is shown in the form: its value and the label a person sees. */
    certificate_types: z.record(text, z.strictObject({ label: text.optional(), value: text.optional() })).default({}),
    mode_labels: z.strictObject({ full: text, diff: text }).optional(),
    file_label: text.optional(),
    multiple_files: z.boolean().default(false),
    next_button: text.optional(),
  }),
  confirm: z
    .strictObject({
      style: z.enum(['page', 'modal', 'native', 'none']).default('page'),
      heading: text.optional(),
      submit_button: text.optional(),
      native_dialog_text: text.optional(),
      duplicate_warning: regexSource(1).optional(),
      /** From the filled form to just before the final submit (next button, confirmation page). */
      steps: steps.optional(),
      /** The final submit: the one click after which the upload may exist at PMH. */
      submit: stepSchema.optional(),
    })
    .default({ style: 'page' }),
  registered: z.strictObject({ pattern: regexSource(1) }),
  history: z.strictObject({
    open: steps.optional(),
    refresh_link: text.optional(),
    refresh: steps.optional(),
    /** The history table: by its caption (a table), or any target (a grid, a list). */
    table_caption: text.optional(),
    table: targetSchema.optional(),
    columns: z.strictObject({ id: text, file_name: text, status: text, total: text, accepted: text, rejected: text }),
    done_statuses: z.array(text).min(1),
    refused_statuses: z.array(text).default([]),
    error_list_link: text.optional(),
    /** From the history to the upload's error list (targets may be `within: upload_row`). */
    open_error_list: steps.optional(),
  }),
  errors: z.strictObject({
    download_link: text.optional(),
    /** The control that downloads the error list; default: the link download_link. */
    download: targetSchema.optional(),
    /** The error list's character set; a byte-order mark is skipped either way. */
    encoding: z.enum(['utf-8', 'cp932']).default('utf-8'),
    columns: z.strictObject({ file_name: text.optional(), line: text, history_key: text, column: text, message: text }),
  }),
  logout_button: text.optional(),
  logout: steps.optional(),
  extra_steps: z
    .strictObject({
      after_login: steps.default([]),
      before_upload_submit: steps.default([]),
      before_confirm: steps.default([]),
    })
    .default({ after_login: [], before_upload_submit: [], before_confirm: [] }),
});

type ProfileData = z.infer<typeof profileSchema>;

/** The flow a profile describes, phase by phase, as the session runs it. */
export interface ScreenFlow {
  login: {
    steps: Step[];
    form: Located;
    success: Located[];
    refused: Located;
    otp: { field: Located; steps: Step[] } | null;
  };
  afterLogin: Step[];
  upload: { open: Step[]; fill: Step[]; confirm: Step[]; submit: Step };
  duplicateWarning: { pattern: RegExp; key: string; line: number | null } | null;
  receipt: { pattern: RegExp; key: string; line: number | null };
  history: { open: Step[]; refresh: Step[]; table: Located; openErrorList: Step[] };
  errors: { download: Located };
  logout: Step[];
  /** The URL a login starts from (the login phase's first step). */
  loginPath: string;
}

/** A target with the profile key and line it was written at. */
export interface Located {
  target: Target;
  key: string;
  line: number | null;
}

export type ScreenProfile = ProfileData & {
  file: string;
  flow: ScreenFlow;
  /** The line a key (`history.columns.status`) is written on, for messages. */
  lineOf(key: string): number | null;
};

/** Which `{name}`s a phase may use; the password and the one-time code only where they are typed. */
const PHASE_VALUES: Record<string, readonly Placeholder[]> = {
  'login.steps': ['user_id', 'password'],
  'login.otp.steps': ['otp'],
  upload: ['type_id', 'type_label', 'type_value', 'mode_label'],
  confirm: ['type_id', 'type_label', 'type_value', 'mode_label'],
};

class FlowBuilder {
  readonly problems: ConfigProblem[] = [];

  constructor(
    private readonly yaml: YamlDocument,
    private readonly data: ProfileData,
  ) {}

  problem(path: (string | number)[], ja: string, en: string): void {
    this.problems.push({ path: formatPath(path), line: this.yaml.lineOf(path), ja, en });
  }

  line(path: (string | number)[]): number | null {
    return this.yaml.lineOf(path);
  }

  /** A written list of steps, checked for the placeholders its phase may use. */
  written(raw: RawStep[], at: (string | number)[], allowed: readonly Placeholder[]): Step[] {
    return raw.map((step, i) => this.writtenStep(step, [...at, i], allowed));
  }

  /** One written step at `at`. */
  writtenStep(step: RawStep, at: (string | number)[], allowed: readonly Placeholder[]): Step {
    for (const use of placeholdersOf(step)) {
      const where = [...at, ...use.path];
      if (!(PLACEHOLDERS as readonly string[]).includes(use.name)) {
        const known = PLACEHOLDERS.map((p) => `{${p}}`).join(' ');
        this.problem(where, `{${use.name}} という値はありません（使えるもの: ${known}）`, `there is no value {${use.name}} (known: ${known})`);
      } else if (!allowed.includes(use.name as Placeholder)) {
        this.problem(where, `{${use.name}} はこの手順では使えません`, `{${use.name}} cannot be used in this phase`);
      } else if ((use.name === 'password' || use.name === 'otp') && !(use.path[0] === 'fill' && use.path[1] === 'value')) {
        this.problem(where, `{${use.name}} は fill の value にだけ書けます`, `{${use.name}} may only be a fill's value`);
      } else if (use.name === 'mode_label' && !this.data.upload.mode_labels) {
        this.problem(['upload', 'mode_labels'], '{mode_label} を使うときは upload.mode_labels（full と diff の表示名）が必要です', 'upload.mode_labels (full and diff) is needed where {mode_label} is used');
      }
    }
    return compileStep(step, formatPath(at), this.line(at));
  }

  /** A step built from a simple key, reported against that key. */
  derived(raw: RawStep, at: (string | number)[]): Step {
    return compileStep(raw, formatPath(at), this.line(at));
  }

  located(target: Target, at: (string | number)[]): Located {
    return { target, key: formatPath(at), line: this.line(at) };
  }

  /** The written steps at `at`, or the default when they are not written; a missing key the default needs is a problem. */
  phase(at: (string | number)[], written: RawStep[] | undefined, allowed: readonly Placeholder[], fallback: () => Step[] | string[]): Step[] {
    if (written) return this.written(written, at, allowed);
    const built = fallback();
    if (built.length > 0 && typeof built[0] === 'string') {
      for (const missing of built as string[]) {
        const keyPath = missing.split('.');
        this.problem(
          keyPath,
          `必須の項目がありません（${formatPath(at)} に手順を書かない場合に必要です）`,
          `required key is missing (needed unless ${formatPath(at)} is written out as steps)`,
        );
      }
      return [];
    }
    return built as Step[];
  }
}

/** The simple keys a default needs, by path: those missing, or [] when all are there. */
function missingKeys(data: ProfileData, paths: string[]): string[] {
  return paths.filter((p) => {
    let value: unknown = data;
    for (const key of p.split('.')) value = value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
    return value === undefined;
  });
}

function buildFlow(yaml: YamlDocument, data: ProfileData): { flow: ScreenFlow; problems: ConfigProblem[] } {
  const b = new FlowBuilder(yaml, data);
  const { login, upload, confirm, history, errors, paths, extra_steps: extra } = data;
  const noValues: readonly Placeholder[] = [];

  const loginSteps = b.phase(['login', 'steps'], login.steps, PHASE_VALUES['login.steps']!, () => {
    const missing = missingKeys(data, ['paths.login', 'login.user_id_label', 'login.password_label', 'login.submit_button']);
    if (missing.length) return missing;
    return [
      b.derived({ goto: paths.login! }, ['paths', 'login']),
      b.derived({ fill: { label: login.user_id_label!, value: '{user_id}' } }, ['login', 'user_id_label']),
      b.derived({ fill: { label: login.password_label!, value: '{password}' } }, ['login', 'password_label']),
      b.derived({ click: { role: 'button', name: login.submit_button! } }, ['login', 'submit_button']),
    ];
  });
  const loginPath = loginSteps[0]?.action === 'goto' ? loginSteps[0].path! : null;
  if (loginSteps.length > 0 && !loginPath) {
    b.problem(['login', 'steps', 0], 'ログインの手順は goto（ログイン画面のパス）で始めてください', 'the login steps must start with goto (the login page\'s path)');
  }
  const form = login.form
    ? b.located(login.form, ['login', 'form'])
    : login.user_id_label
      ? b.located({ label: login.user_id_label }, ['login', 'user_id_label'])
      : (b.problem(['login', 'form'], '必須の項目がありません（ログイン画面の見分け方。login.user_id_label がないときに必要です）', 'required key is missing (how the login form is recognised; needed without login.user_id_label)'), null);
  const success = login.success
    ? login.success.map((target, i) => b.located(target, ['login', 'success', i]))
    : login.success_heading
      ? [b.located({ role: 'heading', name: login.success_heading }, ['login', 'success_heading'])]
      : (b.problem(['login', 'success'], '必須の項目がありません（ログインできたと分かる表示。login.success_heading でも可）', 'required key is missing (what a successful login shows; or login.success_heading)'), []);
  let otp: ScreenFlow['login']['otp'] = null;
  if (login.otp) {
    const field = login.otp.field
      ? b.located(login.otp.field, ['login', 'otp', 'field'])
      : login.otp.field_label
        ? b.located({ label: login.otp.field_label }, ['login', 'otp', 'field_label'])
        : (b.problem(['login', 'otp', 'field'], '必須の項目がありません（ワンタイムパスワードの入力欄。field_label でも可）', 'required key is missing (the one-time password field; or field_label)'), null);
    const otpSteps = b.phase(['login', 'otp', 'steps'], login.otp.steps, PHASE_VALUES['login.otp.steps']!, () => {
      const missing = missingKeys(data, ['login.otp.submit_button']);
      if (missing.length || !field) return missing;
      return [
        b.derived({ fill: { ...(field.target as { label: string }), value: '{otp}' } }, ['login', 'otp', 'field_label']),
        b.derived({ click: { role: 'button', name: login.otp!.submit_button! } }, ['login', 'otp', 'submit_button']),
      ];
    });
    if (field) otp = { field, steps: otpSteps };
  }

  if (data.after_login && extra.after_login.length) {
    b.problem(['extra_steps', 'after_login'], 'after_login と extra_steps.after_login の両方は書けません（after_login にまとめてください）', 'write after_login or extra_steps.after_login, not both');
  }
  const afterLogin = data.after_login
    ? b.written(data.after_login, ['after_login'], noValues)
    : b.written(extra.after_login, ['extra_steps', 'after_login'], noValues);

  const openUpload = b.phase(['upload', 'open'], upload.open, PHASE_VALUES['upload']!, () => {
    const missing = missingKeys(data, ['paths.upload']);
    return missing.length ? missing : [b.derived({ goto: paths.upload! }, ['paths', 'upload'])];
  });
  if (upload.fill && extra.before_upload_submit.length) {
    b.problem(['extra_steps', 'before_upload_submit'], 'upload.fill を書くときは、追加の操作も upload.fill に書いてください', 'with upload.fill written out, write the extra actions in it too');
  }
  const fill = b.phase(['upload', 'fill'], upload.fill, PHASE_VALUES['upload']!, () => {
    const missing = missingKeys(data, ['upload.certificate_type_label', 'upload.mode_labels', 'upload.file_label']);
    if (missing.length) return missing;
    return [
      b.derived({ select: { label: upload.certificate_type_label!, value: '{type_value}' } }, ['upload', 'certificate_type_label']),
      b.derived({ check: { role: 'radio', name: '{mode_label}' } }, ['upload', 'mode_labels']),
      b.derived({ attach: { label: upload.file_label! } }, ['upload', 'file_label']),
      ...b.written(extra.before_upload_submit, ['extra_steps', 'before_upload_submit'], PHASE_VALUES['upload']!),
    ];
  });

  if (confirm.steps && extra.before_confirm.length) {
    b.problem(['extra_steps', 'before_confirm'], 'confirm.steps を書くときは、追加の操作も confirm.steps に書いてください', 'with confirm.steps written out, write the extra actions in it too');
  }
  const inDialog = confirm.style === 'modal' ? { within: { role: 'dialog' as const } } : {};
  const confirmSteps = b.phase(['confirm', 'steps'], confirm.steps, PHASE_VALUES['confirm']!, () => {
    if (confirm.style === 'none') return [];
    const missing = missingKeys(data, ['upload.next_button', 'confirm.heading']);
    if (missing.length) return missing;
    return [
      b.derived({ click: { role: 'button', name: upload.next_button! } }, ['upload', 'next_button']),
      b.derived({ wait_for: { role: 'heading', name: confirm.heading!, ...inDialog } }, ['confirm', 'heading']),
      ...b.written(extra.before_confirm, ['extra_steps', 'before_confirm'], PHASE_VALUES['confirm']!),
    ];
  });
  let submit: Step | null = null;
  if (confirm.submit) {
    submit = b.writtenStep(confirm.submit, ['confirm', 'submit'], PHASE_VALUES['confirm']!);
    if (submit.action !== 'click' || submit.optional || submit.when) {
      b.problem(['confirm', 'submit'], '最後の送信は 1 回の click（optional・when なし）で書いてください', 'the final submit must be one click (not optional, no when)');
    }
  } else if (confirm.submit_button || (confirm.style === 'none' && upload.next_button)) {
    const name = confirm.style === 'none' ? upload.next_button! : confirm.submit_button!;
    const dialog = confirm.style === 'native' ? { text: confirm.native_dialog_text ?? '', answer: 'accept' as const, type: 'confirm' as const } : undefined;
    if (confirm.style === 'native' && !confirm.native_dialog_text) {
      b.problem(['confirm', 'native_dialog_text'], 'confirm.style が native のときは、ダイアログの文言 native_dialog_text が必要です。', 'confirm.native_dialog_text is required when confirm.style is native.');
    }
    submit = b.derived({ click: { role: 'button', name, ...inDialog }, ...(dialog ? { dialog } : {}) }, confirm.style === 'none' ? ['upload', 'next_button'] : ['confirm', 'submit_button']);
  } else {
    b.problem(['confirm', 'submit'], '必須の項目がありません（最後の送信ボタン。confirm.submit_button でも可）', 'required key is missing (the final submit; or confirm.submit_button)');
  }

  const openHistory = b.phase(['history', 'open'], history.open, noValues, () => {
    const missing = missingKeys(data, ['paths.history']);
    return missing.length ? missing : [b.derived({ goto: paths.history! }, ['paths', 'history'])];
  });
  const refresh = b.phase(['history', 'refresh'], history.refresh, noValues, () => {
    const missing = missingKeys(data, ['history.refresh_link']);
    return missing.length ? missing : [b.derived({ click: { role: 'link', name: history.refresh_link! } }, ['history', 'refresh_link'])];
  });
  const openErrorList = b.phase(['history', 'open_error_list'], history.open_error_list, noValues, () => {
    const missing = missingKeys(data, ['history.error_list_link']);
    return missing.length ? missing : [b.derived({ click: { role: 'link', name: history.error_list_link!, within: 'upload_row' } }, ['history', 'error_list_link'])];
  });
  const download = errors.download
    ? b.located(errors.download, ['errors', 'download'])
    : errors.download_link
      ? b.located({ role: 'link', name: errors.download_link }, ['errors', 'download_link'])
      : (b.problem(['errors', 'download'], '必須の項目がありません（エラー一覧をダウンロードする部品。errors.download_link でも可）', 'required key is missing (what downloads the error list; or errors.download_link)'), null);
  const logout = b.phase(['logout'], data.logout, noValues, () => {
    const missing = missingKeys(data, ['logout_button']);
    return missing.length ? missing : [b.derived({ click: { role: 'button', name: data.logout_button! } }, ['logout_button'])];
  });

  const table = history.table
    ? b.located(history.table, ['history', 'table'])
    : history.table_caption
      ? b.located({ role: 'table', name: history.table_caption }, ['history', 'table_caption'])
      : (b.problem(['history', 'table'], '必須の項目がありません（履歴の表。history.table_caption でも可）', 'required key is missing (the history table; or history.table_caption)'), null);
  const pattern = (source: string) => new RegExp(source);
  const flow: ScreenFlow = {
    login: { steps: loginSteps, form: form!, success, refused: login.refused ? b.located(login.refused, ['login', 'refused']) : b.located({ role: 'alert' }, ['login']), otp },
    afterLogin,
    upload: { open: openUpload, fill, confirm: confirmSteps, submit: submit! },
    duplicateWarning: confirm.duplicate_warning
      ? { pattern: pattern(confirm.duplicate_warning), key: 'confirm.duplicate_warning', line: b.line(['confirm', 'duplicate_warning']) }
      : null,
    receipt: { pattern: pattern(data.registered.pattern), key: 'registered.pattern', line: b.line(['registered', 'pattern']) },
    history: { open: openHistory, refresh, table: table!, openErrorList },
    errors: { download: download! },
    logout,
    loginPath: loginPath ?? '/',
  };
  if (upload.fill && !fill.some((step) => step.action === 'attach')) {
    b.problem(['upload', 'fill'], 'ファイルを選ぶ手順（attach）がありません', 'no step attaches the files (attach)');
  }
  return { flow, problems: b.problems };
}

export function parseScreenProfile(file: string, source: string): ScreenProfile {
  const yaml = parseYaml(file, source);
  const result = profileSchema.safeParse(yaml.data);
  if (!result.success) throwInvalid(file, yaml.issueProblems(result.error.issues));
  const { flow, problems } = buildFlow(yaml, result.data);
  if (problems.length) throwInvalid(file, problems);
  return { ...result.data, file, flow, lineOf: (key) => yaml.lineOf(key.split('.')) };
}

/** Reads and validates a screen profile; a missing or bad file throws a critical ConfigError. */
export function loadScreenProfile(path: string = DEFAULT_SCREEN_PROFILE_PATH): ScreenProfile {
  const { file, source } = readEditedFile(path);
  return parseScreenProfile(file, source);
}

/**
 * Whether the profile can choose each of these certificate types in the form: where a step
 * names a type by its label, every type needs `upload.certificate_types.<id>.label`.
 */
export function typeLabelProblems(profile: ScreenProfile, typeIds: readonly string[]): string[] {
  const usesLabel = [...profile.flow.upload.open, ...profile.flow.upload.fill, ...profile.flow.upload.confirm, profile.flow.upload.submit].some((step) =>
    JSON.stringify(step.target ?? {}).includes('{type_label}'),
  );
  if (!usesLabel) return [];
  return typeIds.filter((id) => !profile.upload.certificate_types[id]?.label).map((id) => `upload.certificate_types.${id}.label`);
}
