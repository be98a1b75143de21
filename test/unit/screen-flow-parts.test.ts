import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from '../../config/config-error.ts';
import { CircuitBreaker, backoffDelay, isRetryable, memoryBreakerStore } from '../../flows/retry.ts';
import { DEFAULT_SCREEN_PROFILE_PATH, loadScreenProfile, parseScreenProfile } from '../../flows/screen/profile.ts';
import { decodeBase32, hotp, totp } from '../../flows/screen/totp.ts';
import { pmhError } from '../../core/errors.ts';

describe('TOTP', () => {
  // RFC 6238 appendix B: SHA-1 secret "12345678901234567890", 8 digits.
  const key = Buffer.from('12345678901234567890', 'ascii');
  it('matches the RFC 6238 SHA-1 test vectors', () => {
    assert.equal(totp(key, 59_000, 8), '94287082');
    assert.equal(totp(key, 1_111_111_109_000, 8), '07081804');
    assert.equal(totp(key, 1_234_567_890_000, 8), '89005924');
    assert.equal(totp(key, 2_000_000_000_000, 8), '69279037');
    assert.equal(totp(key, 59_000), '287082');
  });
  it('matches the RFC 4226 HOTP vectors', () => {
    assert.deepEqual([0, 1, 2, 9].map((c) => hotp(key, c)), ['755224', '287082', '359152', '520489']);
  });
  it('decodes base32 as authenticator apps show it, and refuses anything else', () => {
    assert.deepEqual(decodeBase32('GEZD GNBV-GY3T QOJQ gezd gnbv gy3t qojq'), key);
    assert.deepEqual(decodeBase32('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ===='), key);
    assert.equal(decodeBase32('not base32!'), null);
    assert.equal(decodeBase32(''), null);
  });
});

describe('retry policy', () => {
  const policy = { maxAttempts: 5, initialDelayMs: 1000, maxDelayMs: 5000, multiplier: 2 };
  it('backs off exponentially up to the cap, with half of each wait random', () => {
    assert.deepEqual([1, 2, 3, 4, 5].map((a) => backoffDelay(policy, a, () => 1)), [1000, 2000, 4000, 5000, 5000]);
    assert.deepEqual([1, 2, 3].map((a) => backoffDelay(policy, a, () => 0)), [500, 1000, 2000]);
  });
  it('retries system failures only, and never a result timeout (its deadline is absolute)', () => {
    assert.equal(isRetryable(pmhError('PmhServerError', { step: 'login', status: 503, url: 'x' })), true);
    assert.equal(isRetryable(pmhError('PmhMaintenance', { step: 'login', detail: '' })), true);
    assert.equal(isRetryable(pmhError('LoginFailed', { detail: '' })), false);
    assert.equal(isRetryable(pmhError('UploadRefused', { uploadId: 'U1', fileName: 'f', detail: '' })), false);
    assert.equal(isRetryable(pmhError('ResultTimeout', { uploadId: 'U1', seconds: 1, status: '', runId: 'r' })), false);
    assert.equal(isRetryable(pmhError('BrowserNotFound', { detail: '' })), false);
  });
});

describe('circuit breaker', () => {
  it('opens after the threshold of consecutive failures, refuses during the cool-down, then lets one trial through', () => {
    let now = Date.parse('2026-04-01T00:00:00Z');
    const store = memoryBreakerStore();
    const breaker = new CircuitBreaker(store, { failureThreshold: 3, cooldownMs: 60_000 }, () => now);
    breaker.recordFailure();
    breaker.recordFailure();
    breaker.assertClosed();
    assert.ok(breaker.recordFailure().openedAt);
    assert.throws(() => breaker.assertClosed(), (e: unknown) => (e as { code: string }).code === 'PmhCircuitOpen');
    now += 61_000;
    breaker.assertClosed();
    // The trial fails: open again for a whole cool-down.
    breaker.recordFailure();
    assert.throws(() => breaker.assertClosed());
    now += 61_000;
    breaker.assertClosed();
    breaker.recordSuccess();
    assert.deepEqual(store.load(), { consecutiveFailures: 0, openedAt: null });
  });
  it('a success in between resets the count', () => {
    const breaker = new CircuitBreaker(memoryBreakerStore(), { failureThreshold: 2, cooldownMs: 60_000 });
    breaker.recordFailure();
    breaker.recordSuccess();
    assert.equal(breaker.recordFailure().openedAt, null);
  });
});

describe('screen profile file', () => {
  it('the shipped profile loads', () => {
    const profile = loadScreenProfile();
    assert.equal(profile.profile, 'pmh-simulator');
    assert.equal(profile.paths.login, '/login');
    assert.equal(profile.confirm.style, 'page');
    assert.ok(profile.upload.multiple_files);
  });
  it('a bad key stops with its path and line', () => {
    const source = readFileSync(DEFAULT_SCREEN_PROFILE_PATH, 'utf8').replace('  submit_button: ログイン\n', '  submit_button: ""\n');
    assert.throws(
      () => parseScreenProfile('bad.yaml', source),
      (error: unknown) => error instanceof ConfigError && /login\.submit_button/.test(error.message) && /行目|line/.test(error.describeIn('ja').message),
    );
  });
  it('a registered pattern without a capture group is refused', () => {
    const source = readFileSync(DEFAULT_SCREEN_PROFILE_PATH, 'utf8').replace('pattern: 受付番号\\s*(\\S+)\\s*で受け付けました', 'pattern: 受付番号で受け付けました');
    assert.throws(() => parseScreenProfile('bad.yaml', source), (e: unknown) => e instanceof ConfigError && /registered\.pattern/.test(e.message));
  });
  it('a native confirmation needs its dialog text', () => {
    const source = readFileSync(DEFAULT_SCREEN_PROFILE_PATH, 'utf8')
      .replace('  style: page\n', '  style: native\n')
      .replace(/  native_dialog_text: .*\n/, '');
    assert.throws(() => parseScreenProfile('bad.yaml', source), (e: unknown) => e instanceof ConfigError && /native_dialog_text/.test(e.message));
  });
  it('extra steps are validated action by action', () => {
    const dir = mkdtempSync(join(tmpdir(), 'profile-'));
    const file = join(dir, 'p.yaml');
    const base = readFileSync(DEFAULT_SCREEN_PROFILE_PATH, 'utf8');
    writeFileSync(file, base.replace('  after_login: []', '  after_login:\n    - click: { role: link, name: ファイルアップロード }\n    - wait_for: { text: 受給者証種別 }'));
    assert.equal(loadScreenProfile(file).extra_steps.after_login.length, 2);
    writeFileSync(file, base.replace('  after_login: []', '  after_login:\n    - tap: { name: x }'));
    assert.throws(() => loadScreenProfile(file), (e: unknown) => e instanceof ConfigError && /extra_steps\.after_login/.test(e.message));
  });
});
