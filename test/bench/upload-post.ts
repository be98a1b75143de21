/**
 * The upload floor: the same file through plain HTTP, as curl would send it: log in
 * (form POST), one multipart POST of the file, the confirmation POST, and the
 * acknowledgement (受付番号) read from the redirect. No browser.
 */
import { openAsBlob } from 'node:fs';
import { basename } from 'node:path';
import { report } from './child.ts';
import { inputOf, seconds, type UploadReport } from './upload-children.ts';

const input = inputOf();
const started = process.hrtime.bigint();
const login = await fetch(`${input.baseUrl}/login`, {
  method: 'POST',
  body: new URLSearchParams({ userId: input.userId, password: input.password }),
  redirect: 'manual',
});
const cookie = (login.headers.getSetCookie().find((c) => c.startsWith('PMHSESSION')) ?? login.headers.getSetCookie()[0] ?? '').split(';')[0]!;
await login.arrayBuffer();
const form = new FormData();
form.set('certificateTypeId', input.certificateTypeId);
form.set('mode', input.mode);
form.set('file', await openAsBlob(input.file, { type: 'text/csv' }), basename(input.file));
const upload = await fetch(`${input.baseUrl}/upload`, { method: 'POST', body: form, headers: { cookie }, redirect: 'manual' });
await upload.arrayBuffer();
const confirmPath = upload.headers.get('location');
if (!confirmPath?.startsWith('/upload/confirm/')) throw new Error(`upload not taken: HTTP ${upload.status}`);
const confirm = await fetch(`${input.baseUrl}${confirmPath}`, { method: 'POST', headers: { cookie }, redirect: 'manual' });
await confirm.arrayBuffer();
const registered = /registered=([^&]+)/.exec(confirm.headers.get('location') ?? '');
if (!registered) throw new Error(`not registered: HTTP ${confirm.status}`);
const elapsed = seconds(started);
const result: UploadReport = { uploadId: decodeURIComponent(registered[1]!), toAcknowledgement: elapsed, total: elapsed };
report(result);
