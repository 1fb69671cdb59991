/**
 * The reporter added to a profiled run. At the end of each test run it reads the run directory back, attributes
 * it and prints the summary. A reporter that throws fails the whole run ("Unhandled Reporter Error"), so every
 * failure here is caught and printed as ours, without touching the suite's outcome.
 */
import type { ProfileSession } from './session.js'
import { readRun } from '../spool/reader.js'
import { summarizeRun } from '../attribution/summary.js'
import { renderSummary } from '../report/terminal-summary.js'
import { nowUs } from './run-dir.js'

interface VitestLike {
  config: { root: string; watch?: boolean }
  logger: { log(...args: unknown[]): void; error(...args: unknown[]): void }
}

export class ProfileReporter {
  private testRunStartUs = 0

  constructor(
    private readonly session: ProfileSession,
    private readonly vitest: VitestLike,
  ) {}

  onTestRunStart(): void {
    this.testRunStartUs = nowUs()
  }

  async onTestRunEnd(): Promise<void> {
    try {
      if (!this.vitest.config.watch) this.session.end()
      const run = readRun(this.session.run.runDir)
      const summary = summarizeRun(run, { sinceUs: this.testRunStartUs, rootDir: this.vitest.config.root })
      if (this.session.options.summary) this.vitest.logger.log(renderSummary(summary, { color: undefined }))
    } catch (err) {
      this.vitest.logger.error(`vitest-profiler: could not read the profile of this run: ${(err as Error).stack ?? err}`)
    }
  }
}
