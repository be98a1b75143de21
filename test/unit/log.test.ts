import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createLogger, registerSecret } from '../../core/log.ts';

describe('logging', () => {
  it('removes personal data and registered secrets from every line, whatever the caller passes', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'pmh-log-')), 'run.log');
    registerSecret('S3cret-Password!');
    const log = createLogger(file, { runId: 'r1' });
    log.info({ myNumber: '123456789018', basicFiveInfo: { name: '試験　太郎' }, nested: { address: '架空県1-2', count: 3 } }, 'record');
    log.warn('login with S3cret-Password! for 123456789018 failed');
    log.error({ err: new Error('connect failed: password=S3cret-Password!') }, 'oops');
    log.flush();
    const text = readFileSync(file, 'utf8');
    for (const leaked of ['123456789018', '試験', '架空県', 'S3cret-Password!']) {
      assert.ok(!text.includes(leaked), `${leaked} leaked into the log`);
    }
    assert.match(text, /"count":3/, 'ordinary values are kept');
    assert.match(text, /\[SECRET\]/);
    assert.match(text, /"runId":"r1"/);
  });
});
