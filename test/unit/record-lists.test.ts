/**
 * The held-back and rejected lists (bot/report/record-lists.ts) on a real ledger file: what Excel
 * would read from them, cell by cell.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Ledger } from '../../bot/state/ledger.ts';
import { HELD_BACK_FILE, REJECTED_ROWS_FILE, writeRecordLists } from '../../bot/report/record-lists.ts';

describe('the held-back and rejected lists', () => {
  let dir: string;
  let ledger: Ledger;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pmh-lists-'));
    ledger = new Ledger(join(dir, 'ledger.sqlite'));
    ledger.startRun('R1', 'test', join(dir, 'R1'), '2026-11-25');
    ledger.startRun('R2', 'test', join(dir, 'R2'), '2026-11-25');
  });
  after(() => {
    ledger.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes every row, quoted, and shows a cell Excel would run as a formula as text', () => {
    const runDir = join(dir, 'R1');
    ledger.addQuarantine('R1', [
      { programCode: 'kodomo', residentNo: '=HYPERLINK("http://x")', certificateId: '-12', field: 'birthDate', code: 'X', reasonJa: '理由, "引用"', reasonEn: 'reason' },
      { programCode: 'kodomo', residentNo: '000123', certificateId: '@SUM(A1)', field: 'f', code: 'Y', reasonJa: '改行\nあり', reasonEn: 'two\nlines' },
      { programCode: 'kodomo', residentNo: '+1', certificateId: '\tX', field: 'f', code: 'Z', reasonJa: 'ふつう', reasonEn: 'plain' },
    ]);
    ledger.addRejected('R1', [
      { pmhUploadId: 'U1', line: 7, residentNo: null, certificateId: '123', historyKey: 'H1', column: 'c', message: '=cmd' },
    ]);
    const lists = writeRecordLists(ledger, 'R1', runDir);
    assert.deepEqual(lists, { heldBack: join(runDir, HELD_BACK_FILE), rejected: join(runDir, REJECTED_ROWS_FILE) });
    assert.equal(
      readFileSync(lists.heldBack!, 'utf8'),
      '\uFEFF"制度","宛名番号","受給者証番号","項目","コード","理由"\r\n' +
        '"kodomo","\'=HYPERLINK(""http://x"")","\'-12","birthDate","X","理由, ""引用"""\r\n' +
        '"kodomo","000123","\'@SUM(A1)","f","Y","改行\nあり"\r\n' +
        '"kodomo","\'+1","\'\tX","f","Z","ふつう"\r\n',
    );
    assert.equal(
      readFileSync(lists.rejected!, 'utf8'),
      '\uFEFF"受付番号","行","宛名番号","受給者証番号","履歴キー","項目","PMH のメッセージ"\r\n"U1","7","","123","H1","c","\'=cmd"\r\n',
    );
    assert.ok(!existsSync(`${lists.heldBack}.part`));
  });

  it('writes no file for an empty list, English on request, and leaves a list on disk alone with missingOnly', () => {
    const runDir = join(dir, 'R2');
    assert.deepEqual(writeRecordLists(ledger, 'R2', runDir), { heldBack: null, rejected: null });
    assert.ok(!existsSync(join(runDir, HELD_BACK_FILE)) && !existsSync(join(runDir, REJECTED_ROWS_FILE)));

    ledger.addQuarantine('R2', [{ programCode: 'p', residentNo: '1', certificateId: '2', field: 'f', code: 'C', reasonJa: '日本語', reasonEn: 'English' }]);
    const { heldBack } = writeRecordLists(ledger, 'R2', runDir, { lang: 'en' });
    assert.equal(readFileSync(heldBack!, 'utf8'), '\uFEFF"Program","Resident no.","Certificate","Field","Code","Reason"\r\n"p","1","2","f","C","English"\r\n');
    writeFileSync(heldBack!, 'kept');
    writeRecordLists(ledger, 'R2', runDir, { missingOnly: true });
    assert.equal(readFileSync(heldBack!, 'utf8'), 'kept');
    writeRecordLists(ledger, 'R2', runDir);
    assert.match(readFileSync(heldBack!, 'utf8'), /日本語/);
  });
});
