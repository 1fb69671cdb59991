/**
 * Runs a real vitest on a fixture project in a child process and reads back what it produced.
 *
 * Which vitest and node: by default the repo's own (vitest 4, the machine's Node). With VP_COMPAT_ROOT set
 * (scripts/compat.mjs does that), the fixture is copied into that folder, which holds another vitest (5) and
 * this package installed from its tarball, and run with the node binary in VP_NODE (24).
 */
import { spawn } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { readRun, type RunData } from '../../src/spool/reader.js'
import { summarizeRun, type RunSummary } from '../../src/attribution/summary.js'
import { loadCapturedMaps, nodeIo } from '../../src/attribution/io.js'

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url))
export const fixturesDir = path.join(repoRoot, 'fixtures')

export interface FixtureRunOptions {
  /** 'bin': `vitest-profile <args>`; 'vitest': plain `vitest <args>` (the fixture's config decides). */
  via?: 'bin' | 'vitest'
  args?: string[]
  env?: Record<string, string | undefined>
  timeoutMs?: number
}

export interface FixtureRun {
  code: number | null
  signal: string | null
  stdout: string
  stderr: string
  /** stdout+stderr without ANSI colours. */
  output: string
  root: string
  /** The newest run directory under <root>/.vitest-profile/runs, if any. */
  runDir: string | null
  run: RunData | null
  summary: RunSummary | null
}

/** A fixture run's command (node, args), folder and env, before it starts: runFixture, and the pty runs. */
export interface FixtureCommand {
  node: string
  args: string[]
  root: string
  env: NodeJS.ProcessEnv
}

export function fixtureCommand(name: string, options: FixtureRunOptions = {}): FixtureCommand {
  const compatRoot = process.env.VP_COMPAT_ROOT
  const node = process.env.VP_NODE || process.execPath
  let root = path.join(fixturesDir, name)
  let bin = path.join(repoRoot, 'dist', 'bin.js')
  let vitestBin = path.join(repoRoot, 'node_modules', 'vitest', 'vitest.mjs')
  if (compatRoot) {
    const copy = path.join(compatRoot, 'fixtures', `${name}-${process.pid}-${Date.now()}`)
    fs.cpSync(root, copy, { recursive: true, filter: (src) => !src.includes('.vitest-profile') })
    root = copy
    bin = path.join(compatRoot, 'node_modules', 'vitest-profiler', 'dist', 'bin.js')
    vitestBin = path.join(compatRoot, 'node_modules', 'vitest', 'vitest.mjs')
  }
  fs.rmSync(path.join(root, '.vitest-profile'), { recursive: true, force: true })
  const args = [options.via === 'vitest' ? vitestBin : bin, ...(options.args ?? ['run'])]
  const env: Record<string, string | undefined> = { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1', CI: 'true' }
  // Our own test run must not leak into the fixture's: vitest's worker markers, and any profiling switch.
  for (const k of Object.keys(env)) if (k.startsWith('VITEST') || k === 'NODE_OPTIONS' || k === 'TEST') delete env[k]
  // Under compat, a fixture's own `spawn('node', ...)` must get the same Node as the run, not the machine's.
  if (process.env.VP_NODE) env.PATH = `${path.dirname(process.env.VP_NODE)}${path.delimiter}${env.PATH ?? ''}`
  Object.assign(env, options.env ?? {})
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k]
  return { node, args, root, env: env as NodeJS.ProcessEnv }
}

export async function runFixture(name: string, options: FixtureRunOptions = {}): Promise<FixtureRun> {
  const { node, args, root, env } = fixtureCommand(name, options)
  const child = spawn(node, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d) => (stdout += d))
  child.stderr.on('data', (d) => (stderr += d))
  const timeout = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 150_000)
  const [code, signal] = await new Promise<[number | null, string | null]>((resolve) => child.on('close', (c, s) => resolve([c, s])))
  clearTimeout(timeout)
  const runsDir = path.join(root, '.vitest-profile', 'runs')
  const runs = fs.existsSync(runsDir) ? fs.readdirSync(runsDir).sort() : []
  const runDir = runs.length ? path.join(runsDir, runs[runs.length - 1]!) : null
  const run = runDir ? readRun(runDir) : null
  // The same attribution the reporter ran: the maps it captured from vitest's module graph, sources from disk.
  const summary = run ? summarizeRun(run, { rootDir: root, capturedMaps: loadCapturedMaps(runDir!), io: nodeIo }) : null
  const strip = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '')
  return { code, signal, stdout, stderr, output: strip(stdout + stderr), root, runDir, run, summary }
}
