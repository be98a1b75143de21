/** The notification settings and results, shared by the dispatcher and its two channels. */
import type { BotConfig } from '../../config/schema.ts';
import type { ErrorCode } from '../../core/error-catalog.ts';

export type NotifyConfig = BotConfig['notify'];
export type NotifyMailConfig = NonNullable<NotifyConfig['mail']>;
export type NotifyCommandConfig = NonNullable<NotifyConfig['command']>;

export interface NotifyResult {
  channel: 'mail' | 'command';
  ok: boolean;
  /** What happened, in Japanese: the failure's catalog message, or what was sent. */
  detail: string;
  /** The catalog code of a failure. */
  code?: ErrorCode;
}
