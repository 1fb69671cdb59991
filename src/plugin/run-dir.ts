/**
 * Creates a run: its folder, its manifest, and the bootstrap preload that carries the agent's config. The config
 * travels in the bootstrap's path rather than in an env var because tinypool's child_process runtime replaces
 * the child's env (its execArgv `--require` survives). Old runs are removed here, keeping `keepRuns`.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { SPOOL_VERSION, nowUs, type AgentConfig, type RunManifest } from '../spool/format.js'
import { materializeRun, writeManifest, type RunFiles } from '../spool/run-files.js'
export { materializeRun, writeManifest }
import type { ResolvedOptions } from './options.js'
import type { BudgetSetupOptions } from '../budgets/attempt.js'
import { gateMode } from './gate-mode.js'
import { pathToFileURL } from 'node:url'
import { distFile } from './dist-path.js'

export interface Run {
  runId: string
  runDir: string
  outputDir: string
  bootstrapPath: string
  /** The setup file vitest runs for every test file (see writeSetupStub). */
  setupPath: string
  manifest: RunManifest
}


/** dist/agent/preload.cjs, next to this bundle's own file. */
export const agentPath = (): string => distFile('agent/preload.cjs')
export const setupFilePath = (): string => distFile('agent/setup.js')
/** The setup module's loader through V8's code cache (agent/setup-loader.ts), for budgets-only runs. */
const setupLoaderPath = (): string => distFile('agent/setup-loader.cjs')

/**
 * `setupPath`: a watch re-run's new run keeps the session's setup stub (its source names no run: the run is the
 * bootstrap's). A new file in `setupFiles` would make vitest's watcher re-run every test file (its `add` event
 * finds a setup file), and that re-run would write the next one.
 */
export function createRun(rootDir: string, options: ResolvedOptions, vitestVersion: string, setupPath?: string): Run {
  const planned = planRun(rootDir, options, vitestVersion, setupPath)
  materializeRun(planned)
  setupPath ??= writeSetupStub(path.dirname(planned.bootstrapPath), planned.runId, setupOptions(options, true, rootDir))
  return { runId: planned.runId, runDir: planned.runDir, outputDir: planned.outputDir, bootstrapPath: planned.bootstrapPath, manifest: planned.manifest, setupPath }
}

/** A run not yet on disk (materializeRun writes it). JSON: a budgets-only run hands it to its test threads. */
export interface PlannedRun extends RunFiles {
  runId: string
  outputDir: string
}

/**
 * A run's ids, config and bootstrap preload, without its folder: a budgets-only run (plugin/budgets-only.ts)
 * creates the folder only if a test needs samples (a line or function budget), from inside that test's thread
 * (materializeRun), and most runs never do.
 */
export function planRun(rootDir: string, options: ResolvedOptions, vitestVersion: string, keepStub?: string): PlannedRun {
  const outputDir = path.resolve(rootDir, options.outputDir)
  const base = `${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-${process.pid}`
  // Watch mode starts a run per test run (reporter.ts), and a re-run can start in the same second.
  let runId = base
  for (let n = 2; fs.existsSync(path.join(outputDir, 'runs', runId)) || fs.existsSync(path.join(outputDir, 'bootstrap', `${runId}.cjs`)); n++) runId = `${base}-${n}`
  const runDir = path.join(outputDir, 'runs', runId)
  pruneRuns(outputDir, options.keepRuns, runId, keepStub)
  const config: AgentConfig = {
    version: SPOOL_VERSION,
    runId,
    runDir,
    intervalUs: options.interval,
    flushIntervalMs: options.flushInterval,
    cpuReadIntervalMs: Math.min(100, options.flushInterval),
    sampler: 'inspector',
    rescueTimeoutMs: 1000,
    serializeConcurrent: options.serializeConcurrent,
    idlePauseMs: 1000,
  }
  const manifest: RunManifest = {
    version: SPOOL_VERSION,
    runId,
    startedAt: new Date().toISOString(),
    startUs: nowUs(),
    rootDir,
    vitestVersion,
    nodeVersion: process.version,
    config,
  }
  const bootstrapPath = path.join(outputDir, 'bootstrap', `${runId}.cjs`)
  const bootstrapSource =
    `// vitest-profiler: preload of run ${runId}. Inert once the run has ended.\n` +
    `try { require(${JSON.stringify(agentPath())}).start(${JSON.stringify(config)}, __filename) } catch {}\n`
  return { runId, runDir, outputDir, bootstrapPath, bootstrapSource, manifest }
}


/**
 * The setup file of the run: a stub that calls installTestHooks() of the real module (dist/agent/setup.js).
 * It lives here, outside node_modules, so that vitest sends it through Vite and its module runner, whose
 * invalidation of setup files makes it run again for every test file, also with `isolate: false` and in vm
 * workers that run several files. The real module, installed under node_modules, is imported natively and
 * evaluated once per worker, so it must not register hooks at its top level (agent/setup.ts).
 */
function writeSetupStub(dir: string, runId: string, opts: BudgetSetupOptions): string {
  const file = path.join(dir, `${runId}.setup.mjs`)
  fs.writeFileSync(file, setupStubSource(`test hooks of run ${runId}`, opts))
  return file
}

/** The setup options of a run (JSON, written into the stub). */
export function setupOptions(options: ResolvedOptions, profiling: boolean, rootDir: string): BudgetSetupOptions {
  return {
    ...(options.budget !== undefined ? { budget: options.budget } : {}),
    minSamples: options.minSamples,
    profiling,
    serializeConcurrent: options.serializeConcurrent,
    // The regression gate needs every test's figures, budget or not.
    ...(gateMode(rootDir, options).meterAll ? { meterAll: true } : {}),
  }
}

/**
 * The setup stub's source: calls installTestHooks() of dist/agent/setup.js with the run's options. vite (not Node)
 * resolves the stub's import, in vitest's process: a `file:` URL went through its node resolver, package.json
 * lookups and all (10 ms of that process's CPU per run, measured by CPU profiles of a one-test run), and an
 * absolute path takes its file-system path. Forward slashes, which vite reads as a path on Windows too.
 */
export function setupStubSource(what: string, opts: BudgetSetupOptions, codeCacheDir?: string): string {
  const slashed = (p: string) => JSON.stringify(p.split(path.sep).join('/'))
  if (codeCacheDir === undefined) {
    return (
      `// vitest-profiler: ${what}, installed once per test file.\n` +
      `import { installTestHooks } from ${slashed(setupFilePath())}\n` +
      `await installTestHooks(${JSON.stringify(opts)})\n`
    )
  }
  // Through V8's code cache (agent/setup-loader.ts), in a process's main context; in vitest's vm pools (where
  // the stub runs in another realm: the loader returns null) the ES module, imported natively. vite
  // transforms the stub for every test file: a `vitest` import or a literal dynamic import here cost vitest's
  // process 20 M instructions on the overhead suite (resolved by vite each time), so neither is here.
  const loader = slashed(setupLoaderPath())
  return (
    `// vitest-profiler: ${what}, installed once per test file.\n` +
    `import { createRequire } from 'node:module'\n` +
    // A file: URL: resolved at run time by vitest's vm executor, which takes a specifier as a URL.
    `const esm = ${JSON.stringify(pathToFileURL(setupFilePath()).href)}\n` +
    `const { installTestHooks } = (await createRequire(${loader})(${loader}).loadSetup(${slashed(codeCacheDir)})) ??\n` +
    `  (await import(/* @vite-ignore */ esm))\n` +
    `await installTestHooks(${JSON.stringify(opts)})\n`
  )
}


export function endRun(run: Pick<Run, 'runDir' | 'manifest'>): void {
  run.manifest.endedAt = new Date().toISOString()
  run.manifest.endUs = nowUs()
  writeManifest(run.runDir, run.manifest)
}

const DAY_MS = 24 * 3600 * 1000

/**
 * Keeps the newest `keep` runs. Bootstrap files are kept a day longer than their runs: a process a test left
 * running may still start node children with the old NODE_OPTIONS, and a missing `--require` file would make
 * node refuse to start, while an ended run's bootstrap is inert.
 */
function pruneRuns(outputDir: string, keep: number, currentRunId: string, inUse?: string): void {
  const runsDir = path.join(outputDir, 'runs')
  let runs: string[] = []
  try {
    runs = fs.readdirSync(runsDir).filter((r) => r !== currentRunId).sort()
  } catch {}
  for (const old of runs.slice(0, Math.max(0, runs.length - (keep - 1)))) {
    fs.rmSync(path.join(runsDir, old), { recursive: true, force: true })
  }
  const bootstrapDir = path.join(outputDir, 'bootstrap')
  try {
    for (const f of fs.readdirSync(bootstrapDir)) {
      const p = path.join(bootstrapDir, f)
      if (p === inUse) continue
      const runId = f.replace(/\.(cjs|setup\.mjs)$/, '')
      if (!fs.existsSync(path.join(runsDir, runId)) && Date.now() - fs.statSync(p).mtimeMs > DAY_MS) fs.rmSync(p, { force: true })
    }
  } catch {}
}
