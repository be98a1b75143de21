/**
 * Evidence of what the screen showed: a screenshot for each step under a stable,
 * numbered name, on failure the page's HTML beside it, and the Playwright trace of a failed
 * attempt (see attempt-trace.ts).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';

export interface EvidenceFile {
  kind: 'screenshot' | 'html' | 'error_list' | 'trace';
  path: string;
}

export class Evidence {
  private seq = 0;
  readonly files: EvidenceFile[] = [];

  constructor(readonly dir: string) {}

  private nextName(step: string, suffix: string): string {
    this.seq += 1;
    const safe = step.replace(/[^A-Za-z0-9_-]+/g, '_');
    return join(this.dir, `${String(this.seq).padStart(2, '0')}-${safe}${suffix}`);
  }

  async ensureDir(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
  }

  async screenshot(page: Page, step: string): Promise<string> {
    await this.ensureDir();
    const path = this.nextName(step, '.png');
    // The caret as it is: hiding it means a style put into the page and taken out again,
    // which every traced step then records (about 30 ms a screenshot).
    await page.screenshot({ path, fullPage: true, caret: 'initial' });
    this.files.push({ kind: 'screenshot', path });
    return path;
  }

  /** Best effort: a failing page may already be gone. */
  async failure(page: Page, step: string): Promise<void> {
    await this.ensureDir();
    try {
      const shot = this.nextName(`${step}-failed`, '.png');
      await page.screenshot({ path: shot, fullPage: true, timeout: 10_000 });
      this.files.push({ kind: 'screenshot', path: shot });
      const html = shot.replace(/\.png$/, '.html');
      await writeFile(html, await page.content());
      this.files.push({ kind: 'html', path: html });
    } catch {
      // The browser may have crashed: the error itself is what gets reported.
    }
  }

  track(kind: EvidenceFile['kind'], path: string): void {
    this.files.push({ kind, path });
  }
}
