// Shapes shared inside the simulator (never imported from, or by, the bot).

export type UploadMode = 'diff' | 'full';

/** Which simulated screen answers: the classic upload screen or the 連携ポータル. */
export type SimScreen = 'classic' | 'portal';
export const SIM_SCREENS: readonly SimScreen[] = ['classic', 'portal'];

export const UPLOAD_STATUS = {
  received: '受付済',
  processing: '処理中',
  done: '完了',
  doneWithErrors: '完了（エラーあり）',
  refused: 'エラー',
} as const;

export type UploadStatus = (typeof UPLOAD_STATUS)[keyof typeof UPLOAD_STATUS];

/** One file of an upload; an upload holds one or more files, processed in order. */
export interface UploadFile {
  fileName: string;
  sha256: string;
  bytes: number;
}

export interface UploadSummary {
  id: string;
  /** fileName, sha256 and bytes describe the first file; `files` lists them all. */
  fileName: string;
  sha256: string;
  bytes: number;
  files: UploadFile[];
  certificateTypeId: string;
  mode: UploadMode;
  status: UploadStatus;
  receivedAt: string;
  processingAt: string | null;
  finishedAt: string | null;
  total: number | null;
  accepted: number | null;
  rejected: number | null;
  refusalReason: string | null;
}

export interface RowError {
  /** The file of the upload the row is in. */
  fileName: string;
  /** The line within that file. */
  line: number;
  historyKey: string;
  column: string;
  message: string;
}

/** An accepted row: keyed by the CSV column names, booleans as booleans, JSON columns parsed. */
export type AcceptedRecord = Record<string, string | boolean | object>;

export interface RecordKey {
  certificateTypeId: string;
  myNumber: string;
  historyKey: string;
}

export const MODE_LABEL: Record<UploadMode, string> = {
  diff: '差分連携',
  full: '全件連携',
};

/** A PMH account the simulator accepts. */
export interface SimUser {
  userId: string;
  password: string;
  /** Base32 (RFC 4648, no padding): the user must also enter a TOTP code (RFC 6238, SHA-1, 30 s, 6 digits). */
  totpSecret?: string;
}

export interface SimCertificateType {
  id: string;
  name: string;
}
