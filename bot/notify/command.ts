/**
 * The notification command: a local program (a script that posts to the municipality's
 * chat, writes to the event log, ...) started without a shell, with the run notice as one
 * JSON document on standard input. It must finish in time and exit with 0.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { pmhError } from '../../core/errors.ts';
import { scrubText } from '../../core/log.ts';
import type { NotifyCommandConfig, NotifyResult } from './notify-types.ts';
import { noticeLabel, type Notice } from '../report/run-notice.ts';

/** How long a command that ignored the polite stop gets before it is killed. */
const KILL_GRACE_MS = 5000;
const OUTPUT_TAIL_CHARS = 1000;

/** The bot's passwords are none of the command's business: variables named like one are not passed on. */
const SECRET_LIKE_ENV = /PASSWORD|PASSWD|SECRET/i;

function childEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !SECRET_LIKE_ENV.test(name)));
}

function quoteForCmd(arg: string): string {
  return `"${arg.replaceAll('"', '""')}"`;
}

/** Windows starts a batch file only through cmd.exe; the notice still goes on stdin, never on the command line. */
function target(command: NotifyCommandConfig): { file: string; args: string[]; verbatim: boolean } {
  if (process.platform === 'win32' && /\.(cmd|bat)$/i.test(command.path)) {
    const line = [command.path, ...command.args].map(quoteForCmd).join(' ');
    return { file: process.env.ComSpec ?? 'cmd.exe', args: ['/d', '/s', '/c', `"${line}"`], verbatim: true };
  }
  return { file: command.path, args: command.args, verbatim: false };
}

export function runNoticeCommand(notice: Notice, command: NotifyCommandConfig): Promise<NotifyResult> {
  const failed = (detail: string): NotifyResult => {
    const error = pmhError('NotifyCommandFailed', { path: command.path, runId: noticeLabel(notice), detail: scrubText(detail) });
    return { channel: 'command', ok: false, detail: error.describeIn('ja').message, code: error.code };
  };
  return new Promise((resolve) => {
    const { file, args, verbatim } = target(command);
    let child: ChildProcess;
    try {
      child = spawn(file, args, {
        shell: false,
        stdio: ['pipe', 'ignore', 'pipe'],
        windowsHide: true,
        windowsVerbatimArguments: verbatim,
        env: childEnv(),
      });
    } catch (error) {
      resolve(failed(`起動できません: ${(error as Error).message}`));
      return;
    }
    let settled = false;
    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    const tooLong = `${command.timeout_seconds} 秒以内に終わらなかったため停止しました`;
    const settle = (result: NotifyResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(killTimer);
      resolve(result);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill();
      killTimer = setTimeout(() => {
        child.kill('SIGKILL');
        settle(failed(tooLong));
      }, KILL_GRACE_MS);
    }, command.timeout_seconds * 1000);
    let stderr = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-OUTPUT_TAIL_CHARS);
    });
    child.on('error', (error) => settle(failed(`起動できません: ${error.message}`)));
    child.on('close', (code, signal) => {
      if (timedOut) settle(failed(tooLong));
      else if (code === 0) settle({ channel: 'command', ok: true, detail: `${command.path} が終了コード 0 で終わりました` });
      else {
        const how = code === null ? `シグナル ${signal} で終了しました` : `終了コード ${code} で終わりました`;
        settle(failed(stderr.trim() ? `${how}（標準エラー: ${stderr.trim()}）` : how));
      }
    });
    // A command that does not read its input closes the pipe early: that alone is no failure.
    child.stdin!.on('error', () => {});
    child.stdin!.end(`${JSON.stringify(notice)}\n`);
  });
}
