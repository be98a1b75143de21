/** What the three upload children take: the simulator, the account, the file and how to launch the browser. */
import type { BrowserConfig } from '../../config/schema.ts';

export interface UploadInput {
  baseUrl: string;
  userId: string;
  password: string;
  certificateTypeId: string;
  mode: 'full' | 'diff';
  file: string;
  browser: BrowserConfig;
  /** Where the bot's flow keeps its evidence. */
  evidenceDir: string;
}

export interface UploadReport {
  uploadId: string;
  /** Seconds from the start of the part (launch or first request) to PMH's acknowledgement (受付番号). */
  toAcknowledgement: number;
  /** Seconds to the end of the part: for the bot, its result read and logged out; for the others, the acknowledgement. */
  total: number;
  /** The bot's screen steps, seconds each. */
  steps?: Record<string, number>;
  status?: string;
}

export function inputOf(): UploadInput {
  return JSON.parse(process.argv[2] ?? '{}') as UploadInput;
}

export function seconds(since: bigint): number {
  return Number(process.hrtime.bigint() - since) / 1e9;
}
