/**
 * Creates a run: its folder, its manifest, and the bootstrap preload that carries the agent's config. The config
 * travels in the bootstrap's path rather than in an env var because tinypool's child_process runtime replaces
 * the child's env (its execArgv `--require` survives). Old runs are removed here, keeping `keepRuns`.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { RUN_MANIFEST_FILE, SPOOL_VERSION, nowUs, type AgentConfig, type RunManifest } from '../spool/format.js'
import type { ResolvedOptions } from './options.js'

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
export const agentPath = (): string => fileURLToPath(new URL('./agent/preload.cjs', import.meta.url))
export const setupFilePath = (): string => fileURLToPath(new URL('./agent/setup.js', import.meta.url))

export function createRun(rootDir: string, options: ResolvedOptions, vitestVersion: string): Run {
  const outputDir = path.resolve(rootDir, options.outputDir)
  const runId = `${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-${process.pid}`
  const runDir = path.join(outputDir, 'runs', runId)
  fs.mkdirSync(runDir, { recursive: true })
  pruneRuns(outputDir, options.keepRuns, runId)
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
  writeManifest(runDir, manifest)
  const bootstrapDir = path.join(outputDir, 'bootstrap')
  fs.mkdirSync(bootstrapDir, { recursive: true })
  const bootstrapPath = path.join(bootstrapDir, `${runId}.cjs`)
  fs.writeFileSync(
    bootstrapPath,
    `// vitest-profiler: preload of run ${runId}. Inert once the run has ended.\n` +
      `try { require(${JSON.stringify(agentPath())}).start(${JSON.stringify(config)}, __filename) } catch {}\n`,
  )
  const setupPath = writeSetupStub(bootstrapDir, runId)
  return { runId, runDir, outputDir, bootstrapPath, setupPath, manifest }
}

/**
 * The setup file of the run: a stub that calls installTestHooks() of the real module (dist/agent/setup.js).
 * It lives here, outside node_modules, so that vitest sends it through Vite and its module runner, whose
 * invalidation of setup files makes it run again for every test file, also with `isolate: false` and in vm
 * workers that run several files. The real module, installed under node_modules, is imported natively and
 * evaluated once per worker, so it must not register hooks at its top level (agent/setup.ts).
 */
function writeSetupStub(dir: string, runId: string): string {
  const file = path.join(dir, `${runId}.setup.mjs`)
  fs.writeFileSync(
    file,
    `// vitest-profiler: test hooks of run ${runId}, installed once per test file.\n` +
      `import { installTestHooks } from ${JSON.stringify(pathToFileURL(setupFilePath()).href)}\n` +
      `await installTestHooks()\n`,
  )
  return file
}

export function writeManifest(runDir: string, manifest: RunManifest): void {
  const file = path.join(runDir, RUN_MANIFEST_FILE)
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(manifest, null, 2))
  fs.renameSync(`${file}.tmp`, file)
}

export function endRun(run: Run): void {
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
function pruneRuns(outputDir: string, keep: number, currentRunId: string): void {
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
      const runId = f.replace(/\.(cjs|setup\.mjs)$/, '')
      if (!fs.existsSync(path.join(runsDir, runId)) && Date.now() - fs.statSync(p).mtimeMs > DAY_MS) fs.rmSync(p, { force: true })
    }
  } catch {}
}
