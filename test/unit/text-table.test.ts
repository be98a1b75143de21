import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { displayWidth, formatTable } from '../../bot/cli/text-table.ts';

describe('the terminal table', () => {
  it('counts full-width characters as two columns', () => {
    assert.equal(displayWidth('成功'), 4);
    assert.equal(displayWidth('ok'), 2);
    assert.equal(displayWidth('ｶﾅ'), 2, 'half-width kana are narrow');
  });

  it('lines up Japanese and ASCII cells and right-aligns numbers', () => {
    const text = formatTable(['状態', 'n'], [['成功', 5], ['failed', 120]]);
    const lines = text.split('\n');
    assert.equal(lines[0], '状態      n');
    assert.equal(lines[2], '成功      5');
    assert.equal(lines[3], 'failed  120');
  });
});
