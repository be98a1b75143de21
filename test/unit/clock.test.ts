import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tokyoDate, tokyoDateTime, tokyoStamp } from '../../core/clock.ts';

describe('dates in Asia/Tokyo', () => {
  it('takes the Tokyo calendar day, not the terminal\'s or UTC\'s', () => {
    const lateUtc = new Date('2026-03-31T15:30:00Z');
    assert.equal(tokyoDate(lateUtc), '2026-04-01');
    assert.equal(tokyoStamp(lateUtc), '20260401-003000');
    assert.equal(tokyoDateTime('2026-03-31T15:30:05Z'), '2026-04-01 00:30:05');
  });
});
