/**
 * The screen profile: every URL, label, role and text the flow relies on, held in a YAML
 * file (config/screens/*.yaml) so the bot can be adapted to the real PMH screen, or to a
 * new release of it, by editing data, not code. Controls are located by what a person
 * sees: role + accessible name, or the label of a form field. A bad profile stops the bot
 * at start-up with the path and line of the bad key, like the configuration does.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { parseYaml, readEditedFile, throwInvalid } from '../../config/yaml-document.ts';

export const DEFAULT_SCREEN_PROFILE_PATH = join(import.meta.dirname, '..', '..', 'config', 'screens', 'pmh-simulator.yaml');

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

const ARIA_ROLES = ['button', 'link', 'checkbox', 'radio', 'heading', 'tab', 'menuitem', 'option', 'textbox', 'combobox', 'dialog', 'cell', 'row'] as const;

const roleTarget = z.strictObject({ role: z.enum(ARIA_ROLES), name: text });

/** One extra action a screen needs (a notice to acknowledge, a consent box to tick). */
const actionSchema = z.union([
  z.strictObject({ click: roleTarget }),
  z.strictObject({ check: z.strictObject({ label: text }) }),
  z.strictObject({ fill: z.strictObject({ label: text, value: z.string() }) }),
  z.strictObject({ select: z.strictObject({ label: text, value: text }) }),
  z.strictObject({ wait_for: z.union([roleTarget, z.strictObject({ text })]) }),
]);

export type ProfileAction = z.infer<typeof actionSchema>;

const profileSchema = z.strictObject({
  profile: text,
  version: z.number().int().min(1),
  paths: z.strictObject({ login: path, upload: path, history: path }),
  login: z.strictObject({
    user_id_label: text,
    password_label: text,
    submit_button: text,
    success_heading: text,
    otp: z.strictObject({ field_label: text, submit_button: text }).optional(),
    session_expired_texts: z.array(text).default([]),
  }),
  maintenance_texts: z.array(text).default([]),
  upload: z.strictObject({
    certificate_type_label: text,
    mode_labels: z.strictObject({ full: text, diff: text }),
    file_label: text,
    multiple_files: z.boolean().default(false),
    next_button: text,
  }),
  confirm: z.strictObject({
    style: z.enum(['page', 'modal', 'native']).default('page'),
    heading: text,
    submit_button: text,
    native_dialog_text: text.optional(),
    duplicate_warning: regexSource(1).optional(),
  }),
  registered: z.strictObject({ pattern: regexSource(1) }),
  history: z.strictObject({
    refresh_link: text,
    table_caption: text,
    columns: z.strictObject({ id: text, file_name: text, status: text, total: text, accepted: text, rejected: text }),
    done_statuses: z.array(text).min(1),
    refused_statuses: z.array(text).default([]),
    error_list_link: text,
  }),
  errors: z.strictObject({
    download_link: text,
    columns: z.strictObject({ file_name: text.optional(), line: text, history_key: text, column: text, message: text }),
  }),
  logout_button: text,
  extra_steps: z
    .strictObject({
      after_login: z.array(actionSchema).default([]),
      before_upload_submit: z.array(actionSchema).default([]),
      before_confirm: z.array(actionSchema).default([]),
    })
    .default({ after_login: [], before_upload_submit: [], before_confirm: [] }),
});

export type ScreenProfile = z.infer<typeof profileSchema> & { file: string };

export function parseScreenProfile(file: string, source: string): ScreenProfile {
  const yaml = parseYaml(file, source);
  const result = profileSchema.safeParse(yaml.data);
  if (!result.success) throwInvalid(file, yaml.issueProblems(result.error.issues));
  const profile = result.data;
  if (profile.confirm.style === 'native' && !profile.confirm.native_dialog_text) {
    throwInvalid(file, [{
      path: 'confirm.native_dialog_text',
      line: yaml.lineOf(['confirm']),
      ja: 'confirm.style が native のときは、ダイアログの文言 native_dialog_text が必要です。',
      en: 'confirm.native_dialog_text is required when confirm.style is native.',
    }]);
  }
  return { ...profile, file };
}

/** Reads and validates a screen profile; a missing or bad file throws a critical ConfigError. */
export function loadScreenProfile(path: string = DEFAULT_SCREEN_PROFILE_PATH): ScreenProfile {
  const { file, source } = readEditedFile(path);
  return parseScreenProfile(file, source);
}
