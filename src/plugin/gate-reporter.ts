/**
 * The regression gate, at the end of each test run in the main process (gate-mode.ts says when it is on).
 * Updating: the run's figures (all `--runs` of them) become the baseline. Comparing: each passed test's CPU
 * against its baseline (budgets/gate.ts); the breaching tests alone are re-run before anything fails
 * (gate-rerun.ts) and judged on the median of the re-runs; then the verdict goes out (gate-output.ts). A shard
 * writes its figures and verdicts for the merge (gate-shards.ts). Never throws (a reporter that throws fails
 * the run): a failure of ours is printed, and the run's exit code is left alone.
 *
 * The calibration probe (gate-calibration.ts) runs before each test run's tests and after them, and after each
 * re-run: a baseline keeps its figures, a comparison scales each test's baseline by the load they show
 * (budgets/calibration.ts).
 */
import * as os from 'node:os'
import * as path from 'node:path'
import { buildBaseline, machineOf, type Machine, type TestFigures } from '../budgets/baseline.js'
import { readBaselineFile, writeBaselineFile } from '../budgets/baseline-io.js'
import { breaching, compare, judgeReruns, type GateResult } from '../budgets/gate.js'
import { loadModel, median, mergeCalibrations, type Calibration } from '../budgets/calibration.js'
import { runCalibrationProbe } from './gate-calibration.js'
import { figuresFromModules, type TestModuleLike } from './gate-figures.js'
import { gateMode, type GateMode } from './gate-mode.js'
import { rerun, type RerunTarget } from './gate-rerun.js'
import { publishGate } from './gate-output.js'
import { writeShard } from './gate-shards.js'
import { REPORT_OF_RUN } from './reporter.js'
import { stdoutIsMachineReadable, type ReporterConfigLike } from './stdout-owner.js'
import type { ResolvedOptions } from './options.js'
import type { JsonReport } from '../report/schema.js'

interface VitestLike {
  version: string
  config: ReporterConfigLike & { root: string; config?: string; shard?: { index: number; count: number } }
  logger: { log(...a: unknown[]): void; error(...a: unknown[]): void }
}

export function currentMachine(vitestVersion: string, profiled: boolean): Machine {
  return { ...machineOf({ platform: process.platform, arch: process.arch, cpus: os.cpus(), availableParallelism: os.availableParallelism?.(), node: process.version, vitest: vitestVersion }), profiled }
}

export class GateReporter {
  private readonly mode: GateMode
  private readonly updateRuns: TestFigures[][] = []
  /** This test run's probes (before its tests, after them); with --runs, every run's (the baseline keeps all). */
  private probes: (Calibration | { error: string })[] = []
  private lastProbeAt = -Infinity

  constructor(
    private readonly vitest: VitestLike,
    private readonly options: ResolvedOptions,
    /** This run profiles (vitest-profile): recorded in the baseline, warned about when the modes differ. */
    private readonly profiled: boolean,
  ) {
    this.mode = gateMode(vitest.config.root, options)
  }

  get active(): boolean {
    return this.mode.active
  }

  private async probe(): Promise<Calibration | { error: string }> {
    const c = await runCalibrationProbe()
    this.probes.push(c)
    this.lastProbeAt = performance.now()
    return c
  }

  /** vitest awaits it before any test starts: the probe sees the machine without the suite's own load. */
  async onTestRunStart(): Promise<void> {
    if (!this.mode.active) return
    // With --runs, the last run's closing probe was a moment ago: it stands for this start too.
    if (performance.now() - this.lastProbeAt < 2000) return
    try {
      await this.probe()
    } catch {
      // runCalibrationProbe does not throw; a reporter that did would fail the run.
    }
  }

  /** The pooled repetitions of the probes so far, or the first failure when none measured. */
  private calibrationNow(probes = this.probes): Calibration | { error: string } | null {
    const ok = probes.filter((p): p is Calibration => !('error' in p))
    return mergeCalibrations(ok) ?? probes.find((p): p is { error: string } => 'error' in p) ?? null
  }

  async onTestRunEnd(modules: readonly TestModuleLike[]): Promise<void> {
    if (!this.mode.active) return
    try {
      // The profiler's reporter, called by vitest at the same time, promises this run's report first.
      await Promise.resolve()
      const promised = (this.vitest as unknown as Record<symbol, Promise<JsonReport | null> | undefined>)[REPORT_OF_RUN]
      const report = promised ? await promised : null
      const perTest: Record<string, number> = {}
      const figures = figuresFromModules(modules ?? [], this.vitest.config.root, report, perTest)
      await this.probe()
      if (this.mode.update) return this.update(figures)
      await this.compare(modules ?? [], figures, perTest)
    } catch (err) {
      this.vitest.logger.error(`vitest-profiler: the regression gate failed: ${(err as Error).stack ?? String(err)}`)
    } finally {
      // The next run (watch mode) probes afresh; --runs pools theirs until the baseline is written.
      if (!this.mode.update || this.updateRuns.length === 0) this.probes = []
    }
  }

  private log(text: string): void {
    if (stdoutIsMachineReadable(this.vitest.config)) this.vitest.logger.error(text)
    else this.vitest.logger.log(text)
  }

  private shardDir(): string {
    return path.join(path.resolve(this.vitest.config.root, this.options.outputDir), 'gate')
  }

  private update(figures: TestFigures[]): void {
    const shard = this.vitest.config.shard
    const machine = currentMachine(this.vitest.version, this.profiled)
    const calibration = this.calibrationNow()
    const measured = calibration && !('error' in calibration) ? calibration : null
    if (shard) {
      const file = writeShard(this.shardDir(), { schema: 'vitest-profiler/gate-shard', version: 1, index: shard.index, count: shard.count, machine, figures, result: null, calibration: measured })
      this.log(`gate: shard ${shard.index}/${shard.count}: ${figures.length} tests' figures written to ${file}; make the baseline with vitest-profile --merge-reports ${path.dirname(file)} --update-baseline`)
      return
    }
    this.updateRuns.push(figures)
    if (this.updateRuns.length < this.mode.runs) return
    const baseline = buildBaseline(this.updateRuns, machine, new Date(), measured)
    writeBaselineFile(this.mode.file, baseline)
    const tests = Object.keys(baseline.tests).length
    this.log(`gate: baseline written: ${tests} test${tests === 1 ? '' : 's'}, ${this.updateRuns.length} run${this.updateRuns.length === 1 ? '' : 's'} each, to ${path.relative(process.cwd(), this.mode.file) || this.mode.file} (commit it); ${calibrationNote(calibration)}`)
    this.updateRuns.length = 0
  }

  private async compare(modules: readonly TestModuleLike[], figures: TestFigures[], perTest: Record<string, number>): Promise<void> {
    const shown = path.relative(process.cwd(), this.mode.file) || this.mode.file
    const read = readBaselineFile(this.mode.file, shown)
    if ('missing' in read) {
      // Only a file the user named is missing here (gate-mode.ts turns the gate on for an existing default file).
      this.vitest.logger.error(`vitest-profiler: baseline ${shown} does not exist; create it with npx vitest-profile run --update-baseline --baseline ${shown}`)
      process.exitCode ||= 1
      return
    }
    if ('error' in read) {
      this.vitest.logger.error(read.error)
      process.exitCode ||= 1
      return
    }
    const load = loadModel(read.baseline.calibration, this.calibrationNow())
    const options = { tolerance: this.mode.tolerance, floorMs: this.mode.floorMs, perTest, machine: currentMachine(this.vitest.version, this.profiled), load }
    const shard = this.vitest.config.shard
    let result: GateResult = compare(read.baseline, figures, options)
    if (shard) result = { ...result, tests: result.tests.filter((t) => t.status !== 'gone') }
    const keys = breaching(result)
    if (keys.length && this.mode.reruns > 0) {
      const targets = rerunTargets(figures, new Set(keys))
      // The re-runs' load: the probe after this run's tests, and one after each re-run.
      const around = [this.probes.at(-1)!]
      const ctx = { root: this.vitest.config.root, outputDir: path.resolve(this.vitest.config.root, this.options.outputDir), ...(this.vitest.config.config ? { configFile: this.vitest.config.config } : {}) }
      const reruns = await rerun(targets, this.mode.reruns, ctx, new Set(keys), async () => void around.push(await runCalibrationProbe()))
      result = judgeReruns(result, reruns, { ...options, load: loadModel(read.baseline.calibration, this.calibrationNow(around)) })
    }
    if (shard) {
      const file = writeShard(this.shardDir(), { schema: 'vitest-profiler/gate-shard', version: 1, index: shard.index, count: shard.count, machine: options.machine, figures, result, calibration: null })
      this.log(`gate: shard ${shard.index}/${shard.count} written to ${file}; combine the shards with vitest-profile --merge-reports ${path.dirname(file)}`)
    }
    publishGate(result, {
      root: this.vitest.config.root,
      env: process.env,
      log: (t) => this.log(t),
      writeCommands: (t) => (stdoutIsMachineReadable(this.vitest.config) ? process.stderr.write(t) : process.stdout.write(t)),
    })
  }
}

/** The baseline line's account of the calibration it recorded (or why it has none). */
function calibrationNote(c: Calibration | { error: string } | null): string {
  if (!c) return 'no calibration probe ran'
  if ('error' in c) return `no calibration: the probe failed (${c.error}), so this baseline will be compared without regard to load`
  return `calibration: ${c.memoryMs.length} probe repetitions (median arithmetic ${median(c.arithmeticMs).toFixed(2)} ms, memory ${median(c.memoryMs).toFixed(2)} ms)`
}

/** What to re-run for the breaching keys: their file, describe chain and name, and their project. */
function rerunTargets(figures: readonly TestFigures[], keys: ReadonlySet<string>): RerunTarget[] {
  return figures.filter((f) => keys.has(f.key)).map((f) => ({ project: projectOf(f.key, f), file: f.file, names: f.name.split(' › ') }))
}

/** The project part of a key (`project › file › describe › test`), if it has one. */
function projectOf(key: string, f: TestFigures): string | undefined {
  const tail = ` › ${f.file.replace(/\\/g, '/').replace(/^(\.\/)+/, '')} › ${f.name}`
  return key.endsWith(tail) && key.length > tail.length ? key.slice(0, key.length - tail.length) : undefined
}
