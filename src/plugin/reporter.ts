/**
 * The reporter added to a profiled run. At the end of each test run it reads the run directory back, captures
 * the source maps of the modules vitest transformed (they exist only here, in the main process's module graph),
 * attributes the run and writes the reports. A reporter that throws fails the whole run ("Unhandled Reporter
 * Error"), so every failure here is caught and printed as ours, without touching the suite's outcome.
 */
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import pc from 'picocolors'
import type { JsonReport } from '../report/schema.js'
import { readRun, type RunData } from '../spool/reader.js'
import { attributeRun } from '../attribution/pipeline.js'
import { loadCapturedMaps, nodeIo, saveCapturedMaps } from '../attribution/io.js'
import type { RawSourceMap } from '../attribution/source-maps.js'
import { produceReports } from '../report/index.js'
import { formatBudgets } from '../report/terminal.js'
import { debug } from '../agent/debug.js'
import { nowUs } from '../spool/format.js'
import { processAlive, settleChildren } from './settle.js'
import { stdoutIsMachineReadable, type ReporterConfigLike } from './stdout-owner.js'
import { gateFlags } from './gate-mode.js'

/** The longest the report waits for test processes still writing their final flush (settle.ts). */
const SETTLE_MS = 1000

interface ModuleGraphLike {
  getModuleById(id: string): { transformResult?: { map?: unknown } | null } | undefined
}

interface VitestLike {
  config: { root: string; watch?: boolean } & ReporterConfigLike
  /** TestProject[]; typed loosely because vitest 4 and 5 differ (see captureMaps). */
  projects?: unknown[]
  logger: { log(...args: unknown[]): void; error(...args: unknown[]): void }
}

/** Where the report of the run being reported is promised (gate-reporter.ts reads it). */
export const REPORT_OF_RUN = Symbol.for('vitest-profiler.report-of-run')

/** Report options read from the plugin options when present (tolerant: older option sets lack them). */
interface ReportOptionsLike {
  summary: boolean
  expandLibraries?: boolean
  minSamples?: number
  topLines?: number
}

/** The parts of a ProfileSession the reporter uses (also a budgets-only run's lazily created run). */
export interface SessionLike {
  run: { runDir: string; outputDir: string }
  options: ReportOptionsLike
  end(): void
  /** Watch mode: a new run for the next test run (a ProfileSession; a budgets-only run has none). */
  next?(): void
}

export class ProfileReporter {
  private testRunStartUs = 0
  private testRuns = 0
  /** Watch mode: the current run has had its test run and its report; the next test run gets a new run. */
  private runUsed = false
  private reporting: Promise<unknown> | null = null

  constructor(
    private readonly session: SessionLike,
    private readonly vitest: VitestLike,
    /** Budgets-only runs: read and report the run, print nothing (the budget reporter prints the budgets). */
    private readonly quiet = false,
  ) {}

  /**
   * In watch mode each re-run is a run of its own: a fresh run folder and bootstrap before vitest starts its
   * workers (it reads the projects' execArgv and setupFiles after onTestRunStart), so the re-run's report holds
   * only its own threads and profiles (issue #10.11). A report still being written finishes first.
   */
  async onTestRunStart(): Promise<void> {
    if (this.vitest.config.watch && this.runUsed && this.session.next) {
      await this.reporting
      try {
        this.session.next()
        this.runUsed = false
      } catch (err) {
        this.vitest.logger.error(`vitest-profiler: no new run for this re-run, it is added to the last one: ${(err as Error).message}`)
      }
    }
    this.testRunStartUs = nowUs()
  }

  /**
   * The report of the test run that just ended (null when it could not be read: already said why). Also left on
   * the vitest object (REPORT_OF_RUN) at once, for the gate's reporter, which vitest calls at the same time.
   */
  onTestRunEnd(): Promise<JsonReport | null> {
    const report = this.produce()
    this.reporting = report
    ;(this.vitest as unknown as Record<symbol, unknown>)[REPORT_OF_RUN] = report
    return report
  }

  private async produce(): Promise<JsonReport | null> {
    const started = performance.now()
    try {
      // The run ends with its last test run: one, or `--update-baseline --runs N` of them (agents started after
      // the end are inert, and the later runs' workers would have none).
      // In watch mode a run is one test run (onTestRunStart starts the next one).
      const flags = gateFlags()
      if (this.vitest.config.watch ? this.session.next : ++this.testRuns >= (flags.update ? (flags.runs ?? 1) : 1)) this.session.end()
      this.runUsed = true
      const runDir = this.session.run.runDir
      const outputDir = this.session.run.outputDir
      const sinceUs = this.testRunStartUs
      const settledMs = await settleChildren(runDir, SETTLE_MS)
      const run = readRun(runDir, { isAlive: processAlive })
      const capturedMaps = { ...loadCapturedMaps(runDir), ...captureMaps(this.vitest, run) }
      try {
        saveCapturedMaps(runDir, capturedMaps)
      } catch {
        // Only later offline re-reads need the file; this report has the maps in memory.
      }
      const readMs = performance.now() - started
      const options: ReportOptionsLike = this.session.options
      const env = process.env.VITEST_PROFILE_EXPAND_LIBRARIES
      const attribution = attributeRun(run, {
        sinceUs,
        rootDir: this.vitest.config.root,
        capturedMaps,
        io: nodeIo,
        expandLibraries: env ? env !== '0' : (options.expandLibraries ?? false),
        ...(options.minSamples !== undefined ? { minSamples: options.minSamples } : {}),
      })
      const attributedAt = performance.now()
      const produced = produceReports(attribution, {
        reportDir: path.join(outputDir, 'report'),
        color: pc.isColorSupported,
        // A terminal: its width. A pipe or a CI log has none: COLUMNS if set, else wide enough for the source
        // text of a hot line, which is what a log reader came for.
        width: process.stdout.columns || Number(process.env.COLUMNS) || 160,
        topLines: options.topLines ?? 5,
        projectRoots: projectRoots(this.vitest),
        ...coverageOf(this.vitest.config as { coverage?: { enabled?: boolean; provider?: string } }),
      })
      const toStderr = stdoutIsMachineReadable(this.vitest.config)
      // The budgets are part of the terminal report; without it (summary: false) they are still printed, since
      // a budget judged here can fail the run.
      const budgetsAlone = () => (produced.report ? formatBudgets(produced.report, pc.isColorSupported) : '')
      const text = this.quiet ? '' : options.summary ? produced.text || budgetsAlone() : budgetsAlone()
      if (text) {
        if (toStderr) this.vitest.logger.error(text)
        else this.vitest.logger.log(text)
      }
      // A line or function budget failed: known only now, after vitest reported the test (it may have passed).
      // The run fails through its exit code; the finished test's state is never touched (PLATFORM-FACTS.md).
      if (produced.report?.budgets.failedAfterRun.length) process.exitCode = 1
      for (const e of produced.errors) this.vitest.logger.error(`vitest-profiler: report incomplete: ${e}`)
      const now = performance.now()
      debug(
        'reporter',
        `read, attributed and reported in ${(now - started).toFixed(0)} ms (waiting for finishing children ${settledMs.toFixed(0)}, read and maps ${readMs.toFixed(0)}, ` +
          `attribution ${(attributedAt - started - readMs).toFixed(0)}, reports ${(now - attributedAt).toFixed(0)})`,
      )
      return produced.report ?? null
    } catch (err) {
      this.vitest.logger.error(`vitest-profiler: could not read the profile of this run: ${(err as Error).stack ?? err}`)
      return null
    }
  }
}

/** Each project's root by its name ('' for an unnamed one): where its tests' `lines` budget keys start. */
export function projectRoots(vitest: VitestLike): Record<string, string> {
  const out: Record<string, string> = {}
  for (const project of vitest.projects ?? []) {
    try {
      const p = project as { name?: string; config?: { root?: string; name?: string } }
      const name = p.name ?? p.config?.name ?? ''
      if (p.config?.root && !(name in out)) out[name] = p.config.root
    } catch {
      // A project without a config: its keys resolve against the run's root.
    }
  }
  return out
}

/**
 * The maps of vitest-transformed modules seen in the run's profiles, keyed by the URL V8 reported
 * (`file:///abs/x.test.ts`). vitest 4 and 5 keep transform results per Vite environment (`ssr` for node tests,
 * `client` for jsdom/happy-dom); older Vite exposes one `moduleGraph`. Library code is skipped (grouped anyway).
 */
export function captureMaps(vitest: VitestLike, run: RunData): Record<string, RawSourceMap> {
  const urls = new Set<string>()
  for (const t of run.threads) {
    if (t.role?.role !== 'vitest-worker' && !t.windows.length) continue
    for (const c of t.chunks) for (const n of c.profile.nodes) if (n.callFrame.url.startsWith('file:') && !n.callFrame.url.includes('/node_modules/')) urls.add(n.callFrame.url)
  }
  const graphs: ModuleGraphLike[] = []
  for (const project of vitest.projects ?? []) {
    try {
      const p = project as { vite?: { environments?: Record<string, { moduleGraph?: ModuleGraphLike }>; moduleGraph?: ModuleGraphLike } }
      for (const env of Object.values(p.vite?.environments ?? {})) if (env?.moduleGraph) graphs.push(env.moduleGraph)
      if (p.vite?.moduleGraph) graphs.push(p.vite.moduleGraph)
    } catch {
      // A project without a Vite server (browser mode teardown, a future vitest): no maps from it.
    }
  }
  const out: Record<string, RawSourceMap> = {}
  for (const url of urls) {
    let file: string
    try {
      file = fileURLToPath(url)
    } catch {
      continue
    }
    for (const g of graphs) {
      try {
        const map = g.getModuleById(file)?.transformResult?.map as RawSourceMap | null | undefined
        if (map && typeof map === 'object' && typeof map.mappings === 'string' && map.mappings !== '') {
          out[url] = {
            version: map.version,
            sources: map.sources,
            mappings: map.mappings,
            names: map.names ?? [],
            ...(map.sourceRoot ? { sourceRoot: map.sourceRoot } : {}),
            ...(map.sourcesContent ? { sourcesContent: map.sourcesContent } : {}),
          }
          break
        }
      } catch {
        // Keep looking in the other environments.
      }
    }
  }
  return out
}

/** The coverage provider when coverage is on: its instrumentation moves hot lines, and the report says so. */
function coverageOf(config: { coverage?: { enabled?: boolean; provider?: string } }): { coverage?: string } {
  return config.coverage?.enabled ? { coverage: config.coverage.provider ?? 'v8' } : {}
}
