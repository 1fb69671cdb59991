/**
 * The files that make a run exist on disk: its folder, its manifest (`run.json`, written last: an agent is
 * inert until it exists, agent/thread-agent.ts runIsActive) and its bootstrap preload. Shared by the main
 * process (a profiling run, plugin/run-dir.ts) and by a test thread of a budgets-only run that starts sampling
 * because one of its tests has a line or function budget (agent/lazy-start.ts).
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { RUN_MANIFEST_FILE, type RunManifest } from './format.js'

export interface RunFiles {
  runDir: string
  bootstrapPath: string
  /** The bootstrap's source: it requires dist/agent/preload.cjs by absolute path, with the run's config. */
  bootstrapSource: string
  manifest: RunManifest
}

/**
 * The run's folder, manifest and bootstrap. Idempotent: the test threads of a budgets-only run may call it at
 * the same time (each writes through its own temporary file).
 */
export function materializeRun(run: RunFiles): void {
  if (fs.existsSync(path.join(run.runDir, RUN_MANIFEST_FILE))) return
  fs.mkdirSync(run.runDir, { recursive: true })
  fs.mkdirSync(path.dirname(run.bootstrapPath), { recursive: true })
  const tmp = `${run.bootstrapPath}.${process.pid}-${Math.random().toString(36).slice(2)}.tmp`
  fs.writeFileSync(tmp, run.bootstrapSource)
  fs.renameSync(tmp, run.bootstrapPath)
  writeManifest(run.runDir, run.manifest)
}

export function writeManifest(runDir: string, manifest: RunManifest): void {
  const file = path.join(runDir, RUN_MANIFEST_FILE)
  // One temporary file per writer: test threads of a budgets-only run may write the same manifest at once.
  const tmp = `${file}.${process.pid}-${Math.random().toString(36).slice(2)}.tmp`
  fs.writeFileSync(tmp, JSON.stringify(manifest, null, 2))
  fs.renameSync(tmp, file)
}
