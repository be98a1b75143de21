/**
 * `pmh-bot doctor`: everything a run needs, checked before a run needs it, as a checklist
 * an operator can act on. Each check is independent and has its own deadline; only a bad
 * config stops the rest (nothing else can be checked without it). Nothing is written to
 * a source or to PMH: queries are planned, not run, and the login form is only looked at.
 */
import { loadConfig } from '../../../config/load.ts';
import { configureSecrets, lookupSecret, readSecret, SECRET_SOURCE_TEXT, secretReferences } from '../../../config/secrets.ts';
import type { BotConfig } from '../../../config/schema.ts';
import { asPmhBotError, type ErrorKind } from '../../../core/errors.ts';
import { t, type Bilingual } from '../../../core/i18n.ts';
import { runCheck, type CheckSpec, type DoctorCheck } from './check.ts';
import { loginTarget, pmhChecks } from './pmh.ts';
import { sourceChecks } from './sources.ts';
import { systemChecks } from './system.ts';
import { EXIT } from '../../../core/exit-codes.ts';

export type { CheckStatus, DoctorCheck } from './check.ts';

export interface DoctorOptions {
  /** The screen profile file to check the login page against; default: the one a run uses. */
  screenProfile?: string;
}

export interface DoctorReport {
  /** The config file as given (absolute once it was read). */
  file: string;
  checks: DoctorCheck[];
}

const CONFIG_LABEL: Bilingual = { ja: '設定ファイル', en: 'configuration file' };

/**
 * Where secrets are looked up (environment, secrets file, credential store) is set up
 * first, as a run does; a secrets file that cannot be used is its own failed line, and the
 * secrets are then looked up in the environment alone.
 */
function configureSecretLookup(config: BotConfig, file: string): DoctorCheck | null {
  try {
    configureSecrets(config, file);
    return null;
  } catch (error) {
    return { id: 'secrets-config', label: { ja: '秘密情報の保管場所', en: 'where secrets are kept' }, status: 'fail', error: asPmhBotError(error) };
  }
}

function secretChecks(config: BotConfig): CheckSpec[] {
  return secretReferences(config).map((ref) => ({
    id: `secret:${ref.env}`,
    label: { ja: `秘密情報 ${ref.env}（${ref.path}）`, en: `secret ${ref.env} (${ref.path})` },
    seconds: 20,
    // readSecret registers the value with the scrubber; the value itself is never shown.
    run: async () => {
      readSecret(ref.env, ref.path);
      const source = lookupSecret(ref.env)?.source;
      return { status: 'ok' as const, detail: t({ ja: '設定済み（{where}）', en: 'set ({where})' }, { where: t(SECRET_SOURCE_TEXT[source ?? 'env']) }) };
    },
  }));
}

/**
 * The notification mail server, when a run would mail: it answers and takes the login,
 * without a mail being sent. A failure alert that cannot leave is found before go-live.
 */
function mailChecks(config: BotConfig): CheckSpec[] {
  const { mail, on } = config.notify;
  if (!mail || on === 'never') return [];
  return [{
    id: 'notify-mail',
    label: { ja: '通知メール（SMTP サーバー）', en: 'notification mail (SMTP server)' },
    seconds: mail.timeout_seconds * 3 + 10,
    run: async () => {
      // nodemailer is loaded only when there is a mail server to ask.
      await (await import('../../notify/mail.ts')).verifyMailServer(mail);
      return {
        status: 'ok' as const,
        detail: t({ ja: '{host}:{port}（接続とログインを確認。メールは送っていません）', en: '{host}:{port} (connected and logged in; no mail sent)' }, { host: mail.host, port: mail.port }),
      };
    },
  }];
}

/** The login URL for the clock check, even when the screen profile cannot be read. */
function pmhUrlForClock(config: BotConfig, options: DoctorOptions): string {
  try {
    return loginTarget(config, options.screenProfile).url;
  } catch {
    return config.pmh.url ?? config.pmh.api?.url ?? '';
  }
}

export async function runDoctor(configPath: string, options: DoctorOptions = {}): Promise<DoctorReport> {
  let file = configPath;
  let config: BotConfig;
  try {
    ({ file, config } = loadConfig(configPath));
  } catch (error) {
    return { file, checks: [{ id: 'config', label: CONFIG_LABEL, status: 'fail', error: asPmhBotError(error) }] };
  }
  const secretsSetup = configureSecretLookup(config, file);
  const pmh = pmhChecks(config, options.screenProfile);
  const specs = [
    ...secretChecks(config),
    ...sourceChecks(config),
    ...pmh.checks,
    ...mailChecks(config),
    ...systemChecks(config.data_dir, pmhUrlForClock(config, options), config.browser),
  ];
  try {
    const checks = await Promise.all(specs.map(runCheck));
    const configCheck: DoctorCheck = { id: 'config', label: CONFIG_LABEL, status: 'ok', detail: file };
    return { file, checks: [configCheck, ...(secretsSetup ? [secretsSetup] : []), ...checks] };
  } finally {
    await pmh.close();
  }
}

const SEVERITY: Record<ErrorKind, number> = { business: 1, system: 2, critical: 3 };

/** 0 when nothing failed; otherwise the exit code of the most severe failure's kind. */
export function doctorExitCode(report: DoctorReport): number {
  let worst: ErrorKind | null = null;
  for (const check of report.checks) {
    if (check.status !== 'fail') continue;
    const kind = check.error?.kind ?? 'system';
    if (!worst || SEVERITY[kind] > SEVERITY[worst]) worst = kind;
  }
  return worst ? EXIT[worst] : EXIT.ok;
}
