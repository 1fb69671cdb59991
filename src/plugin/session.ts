/**
 * One profiling session of a vitest instance: the run directory, the instrumentation of every project (again
 * after a config change restarts the server in watch mode), and the reporter that reads the run back. In watch
 * mode every test run is a run of its own (`next()`, called by the reporter when a re-run starts): its own
 * folder, threads and report, instead of one run that collects every re-run's threads.
 */
import * as fs from 'node:fs'
import { createRun, endRun, type Run } from './run-dir.js'
import { instrumentConfig, type InjectableConfig } from './inject.js'
import { ProfileReporter } from './reporter.js'
import { GateReporter } from './gate-reporter.js'
import type { ResolvedOptions } from './options.js'

/** The parts of vitest's Vitest instance a session uses (v4 and v5 agree on these). */
export interface VitestLike {
  version: string
  config: { root: string; reporters: unknown[]; watch?: boolean }
  projects: { config: unknown }[]
  reporters?: unknown[]
  logger: { log(...args: unknown[]): void; error(...args: unknown[]): void }
  onAfterSetServer?(fn: () => void): void
}

export class ProfileSession {
  private constructor(
    public run: Run,
    readonly options: ResolvedOptions,
    private readonly vitest: VitestLike,
  ) {}

  /**
   * `reportersReady`: from configureVitest, reporter instances go into `config.reporters` (vitest creates its
   * reporters from it afterwards); after createVitest (the bin) they are already created, so into `reporters`.
   */
  static attach(vitest: VitestLike, options: ResolvedOptions, reportersReady = false): ProfileSession {
    const run = createRun(vitest.config.root, options, vitest.version)
    const session = new ProfileSession(run, options, vitest)
    session.instrument(vitest)
    vitest.onAfterSetServer?.(() => session.instrument(vitest))
    const reporter = new ProfileReporter(session, vitest)
    // After the profiler's reporter: the gate reads the report it promises (the run's top lines).
    const gate = new GateReporter(vitest as never, options, true)
    const added = gate.active ? [reporter, gate] : [reporter]
    if (reportersReady && vitest.reporters) vitest.reporters.push(...added)
    else vitest.config.reporters.push(...added)
    return session
  }

  instrument(vitest: VitestLike): void {
    for (const project of vitest.projects) instrumentConfig(project.config as InjectableConfig, this.run)
  }

  end(): void {
    if (fs.existsSync(this.run.runDir)) endRun(this.run)
  }

  /** A new run for the next test run (watch mode), in place of the ended one; old runs pruned as usual. */
  next(): void {
    this.run = createRun(this.vitest.config.root, this.options, this.vitest.version, this.run.setupPath)
    this.instrument(this.vitest)
  }
}
