/**
 * The bot's screen flow on the same file, called as the screen channel (flows/screen/deliver.ts) calls it: launch, log in,
 * upload, confirm, acknowledgement, wait for PMH's result (polling), read it, log out,
 * with a screenshot at every step. Timed to the result (and, from its step events, to the
 * acknowledgement).
 */
import { createLogger } from '../../core/log.ts';
import { Evidence } from '../../flows/screen/evidence.ts';
import { loadScreenProfile } from '../../flows/screen/profile.ts';
import { runScreenUploads } from '../../flows/screen/upload-flow.ts';
import { report } from './child.ts';
import { inputOf, seconds, type UploadReport } from './upload-children.ts';

const input = inputOf();
const profile = loadScreenProfile();
const log = createLogger(null);
log.level = 'warn';
const steps: Record<string, number> = {};
const startedAt = new Map<string, bigint>();
let acknowledged = 0;
const started = process.hrtime.bigint();
const outcomes = await runScreenUploads({
  runId: 'bench',
  account: { baseUrl: input.baseUrl, userId: input.userId, password: input.password, totpKey: null },
  timings: { pollIntervalMs: 300, resultTimeoutMs: 1_800_000, actionTimeoutMs: 600_000 },
  browser: input.browser,
  profile,
  batches: [{ certificateTypeId: input.certificateTypeId, mode: input.mode, paths: [input.file] }],
  retry: { maxAttempts: 1, initialDelayMs: 1000, maxDelayMs: 1000, multiplier: 2 },
  keepTrace: false,
  evidence: new Evidence(input.evidenceDir),
  log,
  steps: {
    started: (name) => startedAt.set(name, process.hrtime.bigint()),
    succeeded: (name) => {
      steps[name] = (steps[name] ?? 0) + seconds(startedAt.get(name) ?? started);
    },
    failed: (name, error) => {
      throw error;
    },
  },
  onRegistered: () => {
    acknowledged = seconds(started);
  },
});
const outcome = outcomes[0]!;
const result: UploadReport = { uploadId: outcome.uploadId, toAcknowledgement: acknowledged, total: seconds(started), steps, status: outcome.status };
report(result);
