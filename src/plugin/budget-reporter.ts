/**
 * The budgets of a run that does not profile (budgets-only.ts): cpu and wall budgets were judged in the test
 * threads (their failures are ordinary failed tests, shown by vitest's own reporters); this prints the closing
 * line `budgets: N passed, M failed, K inconclusive` from the verdicts in the tests' meta. Line and function
 * budgets need samples: a test thread that met one started sampling (agent/lazy-start.ts) into this run's
 * folder, which is then read and attributed here as a profiling run's would be (reporter.ts, quietly), those
 * budgets judged from it, and a failure among them fails the run through its exit code. Never throws (a
 * reporter that throws fails the run).
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import pc from 'picocolors'
import { attemptsInOrder, budgetOf, closingLine, inconclusiveLines, totals, type BudgetedTest } from '../budgets/summary.js'
import { stdoutIsMachineReadable, type ReporterConfigLike } from './stdout-owner.js'
import type { ProfileReporter } from './reporter.js'
import { endRun, type PlannedRun } from './run-dir.js'
import type { ResolvedOptions } from './options.js'
import type { JsonReport } from '../report/schema.js'
import { RUN_MANIFEST_FILE } from '../spool/format.js'

interface TestCaseLike {
  id?: string
  fullName?: string
  name: string
  meta(): Record<string, unknown>
}
interface TestModuleLike {
  moduleId: string
  relativeModuleId?: string
  children: { allTests(): Iterable<TestCaseLike> }
}

export function collectBudgets(modules: readonly TestModuleLike[]): (BudgetedTest & { id: string })[] {
  const out: (BudgetedTest & { id: string })[] = []
  for (const m of modules) {
    const file = m.relativeModuleId ?? m.moduleId
    for (const tc of m.children.allTests()) {
      const b = budgetOf(tc.meta())
      if (!b) continue
      const attempts = attemptsInOrder(b)
      out.push({ id: tc.id ?? '', name: `${file} › ${(tc.fullName ?? tc.name).replace(/ > /g, ' › ')}`, file, last: attempts[attempts.length - 1]!, attempts })
    }
  }
  return out
}

export interface BudgetRunInfo {
  /** The run a test thread creates if one of its tests needs samples (budgets-only.ts). */
  run: PlannedRun
  /** The run's setup stub (removed at the end of a run that needed no samples). */
  stub: string
  options: ResolvedOptions
}

type VitestLike = ConstructorParameters<typeof ProfileReporter>[1] & { config: ReporterConfigLike & { watch?: boolean } }

export class BudgetSummaryReporter {
  /**
   * The reader of the planned run, created when a test thread first made it (a line or function budget): the
   * attribution and report code is loaded only then (most runs never sample).
   */
  private sampled: ProfileReporter | null = null

  constructor(
    private readonly vitest: VitestLike,
    private readonly info?: BudgetRunInfo,
  ) {}

  async onTestRunStart(): Promise<void> {
    await this.sampled?.onTestRunStart()
  }

  private async sampledReport(): Promise<JsonReport | null> {
    const info = this.info
    if (!info || !fs.existsSync(path.join(info.run.runDir, RUN_MANIFEST_FILE))) return null
    if (!this.sampled) {
      const { ProfileReporter } = await import('./reporter.js')
      const run = info.run
      this.sampled = new ProfileReporter({ run, options: { ...info.options, summary: false }, end: () => endRun({ runDir: run.runDir, manifest: run.manifest }) }, this.vitest, true)
    }
    return this.sampled.onTestRunEnd()
  }

  async onTestRunEnd(modules: readonly TestModuleLike[]): Promise<void> {
    try {
      const report = await this.sampledReport()
      this.cleanUp()
      const tests = collectBudgets(modules ?? [])
      if (tests.length === 0) return
      const out: string[] = []
      if (report) {
        // Tests whose thread sampled: their verdicts with the line and function budgets folded in, and those
        // budgets' messages; the others keep the verdict their thread gave.
        const byId = new Map(report.tests.filter((t) => t.budget?.last).map((t) => [t.id.replace(/#\d+$/, ''), t.budget!]))
        for (const t of tests) {
          const b = byId.get(t.id)
          if (b && b.verdict !== 'invalid') t.last = { ...t.last, verdict: b.verdict, pending: [] }
        }
        out.push(pc.dim('line and function budgets: sampling was turned on in their tests\' threads, from the first such test on (report: ' + path.join(this.info!.run.outputDir, 'report', 'report.json') + ')'))
        // The report's own closing line counts only the sampled tests: ours (below) counts them all.
        const { formatBudgets } = await import('../report/terminal.js')
        out.push(...formatBudgets(report, pc.isColorSupported).split('\n').filter((l) => l && !/budgets: \d+ passed/.test(l)))
        if (report.budgets.failedAfterRun.length) process.exitCode = 1
        out.push(...inconclusiveLines(tests.filter((t) => !byId.has(t.id))))
      } else {
        out.push(...inconclusiveLines(tests))
      }
      const unjudged = tests.filter((t) => t.last.pending.length > 0)
      if (unjudged.length) {
        out.push(`  line and function budgets of ${unjudged.length} test${unjudged.length === 1 ? '' : 's'} not judged: no samples in this run (run them with vitest-profile run)`)
        for (const t of unjudged) t.last = { ...t.last, verdict: t.last.verdict === 'pass' ? 'inconclusive' : t.last.verdict }
      }
      const t = totals(tests)
      out.push((t.failed ? pc.red : t.inconclusive ? pc.yellow : pc.green)(closingLine(t)))
      const text = out.join('\n')
      if (stdoutIsMachineReadable(this.vitest.config)) this.vitest.logger.error(text)
      else this.vitest.logger.log(text)
    } catch (err) {
      this.vitest.logger.error(`vitest-profiler: budget summary failed: ${String(err)}`)
    }
  }

  /** A run that needed no samples leaves nothing behind but the budgets; watch mode keeps its stub. */
  private cleanUp(): void {
    const info = this.info
    if (!info || this.vitest.config.watch) return
    try {
      if (!fs.existsSync(info.run.runDir)) fs.rmSync(info.stub, { force: true })
    } catch {}
  }
}
