// The bench's suite and the three ways it runs it, shared by run.mjs (wall and CPU time) and perf-threads.mjs
// (CPU per thread), so that both measure the same commands.
import * as fs from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'

export const repoRoot = fileURLToPath(new URL('..', import.meta.url))
export const fixture = path.join(repoRoot, 'bench', 'fixtures', 'tinypool-cpu')
export const vitestBin = path.join(repoRoot, 'node_modules', 'vitest', 'vitest.mjs')
const builtDist = path.join(repoRoot, 'dist')
/** Where installProfiler() puts the package: as a user has it, in the suite's node_modules. */
const installed = path.join(fixture, 'node_modules', 'vitest-profiler')
export const profileBin = path.join(installed, 'dist', 'bin.js')

/**
 * Copies the built package (dist/ and package.json) into the bench suite's node_modules, and returns an error
 * message if there is no build. A copy, not a symlink: vitest treats a setup file under node_modules/ as a
 * library and imports it natively, but one elsewhere (dist/ of this repo, or a symlink, which Node resolves to
 * its real path) goes through Vite's transform pipeline, which cost about 15-25 ms more per run (measured on a
 * one-test suite: vitest's "setup" 25-41 ms from dist/, 10-12 ms installed). The bench measures what users get.
 * Imports of `vitest` from the copy resolve up the directory tree to this repo's node_modules, as the plain
 * variant's do.
 */
export function installProfiler() {
  const r = installProfilerInto(fixture)
  return r.ok ? null : r.error
}

/** installProfiler() for any suite folder: { ok, path: its installed bin } or { ok: false, error }. */
export function installProfilerInto(suiteDir) {
  if (!fs.existsSync(path.join(builtDist, 'bin.js'))) return { ok: false, error: `${builtDist} missing: run \`node scripts/build.mjs\` first (npm run bench does).` }
  const target = path.join(suiteDir, 'node_modules', 'vitest-profiler')
  fs.rmSync(target, { recursive: true, force: true })
  fs.mkdirSync(target, { recursive: true })
  fs.cpSync(builtDist, path.join(target, 'dist'), { recursive: true })
  fs.copyFileSync(path.join(repoRoot, 'package.json'), path.join(target, 'package.json'))
  return { ok: true, path: path.join(target, 'dist', 'bin.js') }
}

/** Ids, in the order a rep runs them (profiled before cpuprof: run.mjs reads the interval from its spool). */
export const VARIANTS = [
  { id: 'plain', label: 'vitest run' },
  { id: 'profiled', label: 'vitest-profile run' },
  { id: 'cpuprof', label: 'node --cpu-prof' },
]

/**
 * Node's arguments and the extra environment of one variant.
 * - interval: the profiled run's sampling interval in µs, or 0 for the profiler's default (the fixture's
 *   config adds the plugin with that interval only when BENCH_INTERVAL is set);
 * - cpuProfDir, cpuProfIntervalUs: where `--cpu-prof` writes, and at which interval it samples.
 */
export function variantCommand(id, { interval = 0, cpuProfDir = '', cpuProfIntervalUs = 2000 } = {}) {
  if (id === 'plain') return { argv: [vitestBin, 'run'], env: {} }
  if (id === 'profiled') return { argv: [profileBin, 'run'], env: interval ? { BENCH_INTERVAL: String(interval) } : {} }
  if (id === 'cpuprof') {
    return {
      // `=` forms: vitest hands the main process's `--cpu-prof*` flags on to its workers by prefix, so the value
      // of a two-word `--cpu-prof-dir D` would be dropped ("--cpu-prof-dir requires an argument").
      argv: ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`, `--cpu-prof-interval=${cpuProfIntervalUs}`, vitestBin, 'run'],
      env: { BENCH_CPU_PROF_DIR: cpuProfDir, BENCH_CPU_PROF_INTERVAL: String(cpuProfIntervalUs) },
    }
  }
  throw new Error(`unknown bench variant ${id}`)
}
