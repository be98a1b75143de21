/**
 * The Playwright trace of one delivery attempt, with the login's credentials left out.
 *
 * A trace records every request body and every input's value: one that covered the login
 * form being filled in would hold the PMH password (and the one-time code) in plain text, in
 * a file that is kept as evidence and may be handed to a vendor. So a login stops the
 * recording once the login form is shown, keeping what was recorded so far in a part file
 * (`trace-attempt-N-part-K.zip`), and starts a new one once logged in. A failure in between
 * (a refused password, a page that never came) is documented by its screenshot and HTML.
 *
 * Recording takes DOM snapshots of every action, without the screencast film: the film cost
 * an upload about 0.35 s on a 2-core PC (the browser encoding frames while it reads the
 * file), and the step screenshots are kept anyway.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import type { Logger } from '../../core/log.ts';
import type { Evidence } from './evidence.ts';

/** What a screen session calls around a login. */
export interface LoginTracing {
  /** Before the credentials are typed. */
  pause(): Promise<void>;
  /** Once logged in. */
  resume(): Promise<void>;
}

export class AttemptTrace implements LoginTracing {
  private recording = false;
  private readonly parts: string[] = [];

  constructor(
    private readonly context: BrowserContext,
    private readonly evidence: Evidence,
    private readonly attempt: number,
    private readonly log: Logger,
  ) {}

  async pause(): Promise<void> {
    if (!this.recording) return;
    this.recording = false;
    try {
      await this.stopInto(`trace-attempt-${this.attempt}-part-${this.parts.length + 1}.zip`);
    } catch (error) {
      // The login that follows fails on the same dead browser, with its own evidence.
      this.log.warn({ err: error }, 'could not save the Playwright trace');
    }
  }

  /** Starts recording (the attempt's start, and after each login). */
  async resume(): Promise<void> {
    if (this.recording) return;
    await this.context.tracing.start({ screenshots: false, snapshots: true });
    this.recording = true;
  }

  /** Keeps the attempt's trace when it failed (or when asked to keep every trace); drops it otherwise. */
  async finish(succeeded: boolean, keepTrace: boolean): Promise<void> {
    const keep = !succeeded || keepTrace;
    try {
      if (this.recording) {
        this.recording = false;
        if (keep) await this.stopInto(`trace-attempt-${this.attempt}${succeeded ? '' : '-failed'}.zip`);
        else await this.context.tracing.stop();
      }
    } catch (error) {
      // The browser may have crashed with the context: the failure itself is reported.
      this.log.warn({ err: error }, 'could not save the Playwright trace');
    }
    for (const path of this.parts) {
      if (keep) this.evidence.track('trace', path);
      else await rm(path, { force: true });
    }
  }

  /** Ends the recording into a file of the evidence folder, which `finish` keeps or drops. */
  private async stopInto(fileName: string): Promise<void> {
    const path = join(this.evidence.dir, fileName);
    await this.evidence.ensureDir();
    await this.context.tracing.stop({ path });
    this.parts.push(path);
  }
}
