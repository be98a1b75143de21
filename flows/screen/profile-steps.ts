/**
 * The vocabulary of a screen profile's steps: how a control is named (a target) and what
 * is done with it (a step). Each phase of the flow (log in, open the upload form, fill it,
 * confirm, ...) is a list of these; the loader (profile.ts) builds the default list of each
 * phase from the simple keys when a profile does not write the steps out.
 *
 * A target always says how it is found: by role and accessible name (`role` + `name`), by a
 * form field's label (`label`), or by visible text (`text`). Nothing here assumes a role.
 */
import { z } from 'zod';

/** ARIA roles a target may name; `clickable` is any of button, link, menuitem or tab. */
export const TARGET_ROLES = [
  'button',
  'link',
  'checkbox',
  'radio',
  'combobox',
  'listbox',
  'textbox',
  'searchbox',
  'spinbutton',
  'heading',
  'tab',
  'menuitem',
  'option',
  'alert',
  'status',
  'dialog',
  'table',
  'grid',
  'row',
  'cell',
  'navigation',
  'region',
  'clickable',
] as const;

export type TargetRole = (typeof TARGET_ROLES)[number];

/** The roles `clickable` stands for. */
export const CLICKABLE_ROLES = ['button', 'link', 'menuitem', 'tab'] as const;

const text = z.string().min(1);

/** A container a target is looked for in: a control, or the history row of the upload at hand. */
const scopeSchema = z.union([
  z.literal('upload_row'),
  z.strictObject({ role: z.enum(TARGET_ROLES), name: text.optional() }),
  z.strictObject({ label: text }),
  z.strictObject({ text }),
]);

export type TargetScope = z.infer<typeof scopeSchema>;

const targetShapes = {
  role: z.strictObject({ role: z.enum(TARGET_ROLES), name: text.optional(), within: scopeSchema.optional() }),
  label: z.strictObject({ label: text, within: scopeSchema.optional() }),
  text: z.strictObject({ text, within: scopeSchema.optional() }),
};

/** A control or text on the page. */
export type Target =
  | z.infer<typeof targetShapes.role>
  | z.infer<typeof targetShapes.label>
  | z.infer<typeof targetShapes.text>;

/** Picks the target's form by the key it uses, so a mistake is reported against that form's keys. */
function targetSchemaWith<Extra extends object>(extra: z.ZodRawShape): z.ZodType<Target & Extra> {
  return z.custom<unknown>().transform((value, ctx) => {
    const form = value && typeof value === 'object' ? (['role', 'label', 'text'] as const).find((key) => key in value) : undefined;
    if (!form) {
      ctx.addIssue({ code: 'custom', message: 'a target needs role (with name), label or text', params: { ja: '部品の探し方がありません（role と name、label、text のどれか）' } });
      return z.NEVER;
    }
    const result = targetShapes[form].extend(extra).safeParse(value);
    if (!result.success) {
      for (const issue of result.error.issues) ctx.addIssue({ ...issue, path: issue.path } as never);
      return z.NEVER;
    }
    return result.data as Target & Extra;
  }) as unknown as z.ZodType<Target & Extra>;
}

export const targetSchema = targetSchemaWith<object>({});

const dialogSchema = z.strictObject({
  /** Text the dialog's message contains; a dialog that does not contain it is unexpected. */
  text,
  /** accept (OK) or dismiss (Cancel). */
  answer: z.enum(['accept', 'dismiss']).default('accept'),
  type: z.enum(['confirm', 'alert', 'prompt', 'beforeunload']).optional(),
});

export type DialogExpectation = z.infer<typeof dialogSchema>;

/** The keys that name what a step does; a step has exactly one. */
export const STEP_ACTIONS = ['goto', 'click', 'check', 'uncheck', 'fill', 'select', 'attach', 'wait_for', 'reload'] as const;
export type StepAction = (typeof STEP_ACTIONS)[number];

const rawStepSchema = z.strictObject({
  goto: z.string().regex(/^\//, 'a path starting with /').optional(),
  click: targetSchema.optional(),
  check: targetSchema.optional(),
  uncheck: targetSchema.optional(),
  fill: targetSchemaWith<{ value: string }>({ value: z.string() }).optional(),
  select: targetSchemaWith<{ option?: string; value?: string }>({ option: text.optional(), value: text.optional() }).optional(),
  attach: targetSchema.optional(),
  wait_for: targetSchema.optional(),
  reload: z.literal(true).optional(),
  /** A native dialog (confirm/alert) this step's click may raise, and how to answer it. */
  dialog: dialogSchema.optional(),
  /** Skip the step when its control is not on the page. */
  optional: z.boolean().optional(),
  /** Run the step only when this is visible (a notice shown once a day, a survey). */
  when: targetSchema.optional(),
  /** How long `optional` and `when` look before deciding it is not there (default 1 s). */
  look_seconds: z.number().min(0).max(60).optional(),
});

export type RawStep = z.infer<typeof rawStepSchema>;

export const stepSchema = rawStepSchema.superRefine((step, ctx) => {
  const actions = STEP_ACTIONS.filter((key) => step[key] !== undefined);
  if (actions.length !== 1) {
    ctx.addIssue({
      code: 'custom',
      message: actions.length === 0 ? `a step needs one of ${STEP_ACTIONS.join(', ')}` : `a step does one thing: ${actions.join(' and ')}`,
      params: {
        ja: actions.length === 0 ? `手順には ${STEP_ACTIONS.join(', ')} のどれか 1 つが必要です` : `1 つの手順でできる操作は 1 つです（${actions.join(' と ')}）`,
      },
    });
    return;
  }
  const action = actions[0]!;
  if (step.dialog && action !== 'click') ctx.addIssue({ code: 'custom', path: ['dialog'], message: 'dialog goes with click', params: { ja: 'dialog は click と一緒に書きます' } });
  if (step.optional && (action === 'goto' || action === 'reload')) {
    ctx.addIssue({ code: 'custom', path: ['optional'], message: `optional needs a control to look for (not ${action})`, params: { ja: `optional は部品を探す手順にだけ書けます（${action} には書けません）` } });
  }
  if (step.select && (step.select.option === undefined) === (step.select.value === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['select'], message: 'select needs option (the label shown) or value, one of them', params: { ja: 'select には option（表示名）か value のどちらか 1 つが必要です' } });
  }
});

/** A step as the flow runs it: what it does, and where in the profile it was written. */
export interface Step {
  action: StepAction;
  target: (Target & { value?: string; option?: string }) | null;
  path: string | null;
  dialog: DialogExpectation | null;
  optional: boolean;
  when: Target | null;
  lookMs: number;
  /** Where the step comes from: its key in the profile and line. */
  key: string;
  line: number | null;
}

export function compileStep(raw: RawStep, key: string, line: number | null): Step {
  const action = STEP_ACTIONS.find((a) => raw[a] !== undefined)!;
  const value = raw[action];
  return {
    action,
    target: typeof value === 'object' ? (value as Step['target']) : null,
    path: action === 'goto' ? (value as string) : null,
    dialog: raw.dialog ?? null,
    optional: raw.optional ?? false,
    when: raw.when ?? null,
    lookMs: (raw.look_seconds ?? 1) * 1000,
    key,
    line,
  };
}

/** The values a step's texts may take from the run: `{user_id}` and the like. */
export const PLACEHOLDERS = ['user_id', 'password', 'otp', 'type_id', 'type_label', 'type_value', 'mode_label'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

const PLACEHOLDER = /\{([A-Za-z_]+)\}/g;

/** Every `{name}` used in the step's texts, with the key path it is under. */
export function placeholdersOf(step: RawStep): { name: string; path: (string | number)[] }[] {
  const found: { name: string; path: (string | number)[] }[] = [];
  const walk = (value: unknown, path: (string | number)[]): void => {
    if (typeof value === 'string') {
      for (const match of value.matchAll(PLACEHOLDER)) found.push({ name: match[1]!, path });
    } else if (value && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) walk(inner, [...path, key]);
    }
  };
  walk(step, []);
  return found;
}

/** Replaces `{name}` with the run's value; an unknown name was refused when the profile loaded. */
export function fillPlaceholders(text: string, values: Partial<Record<Placeholder, string>>): string {
  return text.replace(PLACEHOLDER, (whole, name: string) => values[name as Placeholder] ?? whole);
}

/** How a target reads in a message: `button "送信する"`, `label "利用者ID"`, `text "受付中"`. */
export function describeTarget(target: Target | TargetScope): string {
  if (target === 'upload_row') return 'the upload\'s history row';
  const scope = 'within' in target && target.within ? ` in ${describeTarget(target.within)}` : '';
  if ('role' in target) return `${target.role}${target.name ? ` "${target.name}"` : ''}${scope}`;
  if ('label' in target) return `label "${target.label}"${scope}`;
  return `text "${target.text}"${scope}`;
}

/** The step as a person reads it; `values` fills in the type and mode (credentials are never filled in). */
export function describeStep(step: Step, values: Partial<Record<Placeholder, string>> = {}): string {
  if (step.action === 'goto') return `goto ${step.path}`;
  if (step.action === 'reload') return 'reload';
  const { type_id, type_label, type_value, mode_label } = values;
  const safe = { type_id, type_label, type_value, mode_label };
  const fillIn = (value: unknown): unknown =>
    typeof value === 'string'
      ? fillPlaceholders(value, safe)
      : value && typeof value === 'object'
        ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillIn(v)]))
        : value;
  const target = fillIn(step.target) as NonNullable<Step['target']>;
  const extra = step.action === 'fill' ? '' : step.action === 'select' ? ` → ${target.option !== undefined ? `option "${target.option}"` : `value "${target.value}"`}` : '';
  return `${step.action} ${describeTarget(target)}${extra}`;
}
