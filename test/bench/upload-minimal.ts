/**
 * The minimal Playwright upload of the same file: launch the browser the bot would, log
 * in, open the upload page, set the file, submit, confirm, read the acknowledgement. No
 * screenshots, no result polling, no logout, no retries.
 */
import { contextOptions, launchBrowser } from '../../flows/browser.ts';
import { report } from './child.ts';
import { inputOf, seconds, type UploadReport } from './upload-children.ts';

const input = inputOf();
const started = process.hrtime.bigint();
const browser = await launchBrowser(input.browser);
try {
  const context = await browser.newContext(contextOptions(input.browser));
  const page = await context.newPage();
  await page.goto(`${input.baseUrl}/login`);
  await page.getByLabel('ユーザーID').fill(input.userId);
  await page.getByLabel('パスワード').fill(input.password);
  await page.getByRole('button', { name: 'ログイン' }).click();
  await page.getByRole('heading', { name: 'メニュー' }).waitFor();
  await page.goto(`${input.baseUrl}/upload`);
  await page.getByLabel('受給者証種別').selectOption(input.certificateTypeId);
  await page.getByLabel(input.mode === 'full' ? '全件連携' : '差分連携').check();
  await page.getByLabel('アップロードファイル').setInputFiles(input.file);
  await page.getByRole('button', { name: '確認画面へ' }).click();
  await page.getByRole('button', { name: '登録する' }).click();
  const text = await page.getByText(/受付番号\s*\S+\s*で受け付けました/).textContent({ timeout: 600_000 });
  const uploadId = /受付番号\s*(\S+)\s*で受け付けました/.exec(text ?? '')?.[1] ?? '';
  const elapsed = seconds(started);
  const result: UploadReport = { uploadId, toAcknowledgement: elapsed, total: elapsed };
  await browser.close();
  report(result);
} finally {
  await browser.close().catch(() => undefined);
}
