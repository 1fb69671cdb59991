import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { execFileSync, spawn } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { createRequire } from 'node:module'
import { repoRoot } from '../helpers/run-fixture.js'
import { readRun } from '../../src/spool/reader.js'
import { summarizeRun } from '../../src/attribution/summary.js'

// Installed the way a user installs it: `npm pack` of this repo (dist/ as built), the tarball installed into a
// fresh project under .cache/ (git-ignored) next to vitest and tinypool from the npm cache, then the bin with
// no config change and the plugin in a config, each on a suite that pushes work into a tinypool pool.
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
const vitestVersion = createRequire(import.meta.url)('vitest/package.json').version as string
const tinypoolVersion = createRequire(import.meta.url)('tinypool/package.json').version as string
const project = path.join(repoRoot, '.cache', `pack-test-${process.pid}`)

function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1', CI: 'true' }
  for (const k of Object.keys(env)) if (k.startsWith('VITEST') || k === 'NODE_OPTIONS' || k === 'TEST') delete env[k]
  return { ...env, ...extra }
}

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(npm, ['exec', '--offline', '--', ...args], { cwd: project, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (d) => (output += d))
    child.stderr.on('data', (d) => (output += d))
    child.on('close', (code) => resolve({ code, output }))
  })
}

function newestRun() {
  const runs = path.join(project, '.vitest-profile', 'runs')
  const ids = fs.existsSync(runs) ? fs.readdirSync(runs).sort() : []
  if (!ids.length) return null
  const data = readRun(path.join(runs, ids[ids.length - 1]!))
  return { data, summary: summarizeRun(data, { rootDir: project }) }
}

beforeAll(() => {
  expect(fs.existsSync(path.join(repoRoot, 'dist', 'bin.js')), 'build first: node scripts/build.mjs').toBe(true)
  fs.rmSync(project, { recursive: true, force: true })
  fs.mkdirSync(project, { recursive: true })
  // Packed from what a fresh clone has: the files git tracks (and new ones it does not ignore), no dist/. The
  // package's `prepack` must build it (issue #10.15: a pack from a clone had no dist/, so no bin and no plugin).
  const clone = path.join(project, 'clone')
  const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: repoRoot, encoding: 'utf8' }).split('\0').filter(Boolean)
  for (const f of files) {
    if (!fs.existsSync(path.join(repoRoot, f))) continue
    fs.mkdirSync(path.dirname(path.join(clone, f)), { recursive: true })
    fs.copyFileSync(path.join(repoRoot, f), path.join(clone, f))
  }
  expect(fs.existsSync(path.join(clone, 'dist'))).toBe(false)
  fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(clone, 'node_modules'), 'junction')
  const packed = JSON.parse(execFileSync(npm, ['pack', '--json', '--pack-destination', project], { cwd: clone, encoding: 'utf8' }))
  expect(packed[0].files.map((f: { path: string }) => f.path)).toContain('dist/bin.js')
  const tarball = path.join(project, packed[0].filename)
  fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'user-project', private: true, type: 'module' }, null, 2))
  const fixture = path.join(repoRoot, 'fixtures', 'basic')
  for (const f of ['pool.test.ts', 'task.mjs']) fs.copyFileSync(path.join(fixture, f), path.join(project, f))
  fs.writeFileSync(
    path.join(project, 'vitest.config.ts'),
    `import { defineConfig } from 'vitest/config'\nimport profiler from 'vitest-profiler'\n` +
      `export default defineConfig({ plugins: [profiler()], test: { include: ['*.test.ts'] } })\n`,
  )
  fs.writeFileSync(path.join(project, 'plain.config.ts'), `import { defineConfig } from 'vitest/config'\nexport default defineConfig({ test: { include: ['*.test.ts'] } })\n`)
  execFileSync(npm, ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball, `vitest@${vitestVersion}`, `tinypool@${tinypoolVersion}`], {
    cwd: project,
    env: cleanEnv(),
    stdio: 'pipe',
  })
}, 170_000)

afterAll(() => fs.rmSync(project, { recursive: true, force: true }))

describe('installed from the npm pack tarball', () => {
  test('the bin profiles a project whose config knows nothing about it', async () => {
    const r = await run(['vitest-profile', 'run', '--config', 'plain.config.ts'])
    expect(r.code, r.output).toBe(0)
    expect(r.output).toContain('vitest-profiler')
    expect(r.output).toContain('threads/processes seen: 3, profiles received: 3')
    const run_ = newestRun()
    expect(run_, r.output).not.toBeNull()
    const pool = run_!.summary.tests.find((t) => t.name === 'tinypool work')!
    expect(pool.workerThreads).toBe(2)
    expect(pool.samplesWorkers).toBeGreaterThan(20)
  })

  test('the plugin in a config profiles with VITEST_PROFILE=1, and stays off without it', async () => {
    fs.rmSync(path.join(project, '.vitest-profile'), { recursive: true, force: true })
    const off = await run(['vitest', 'run'])
    expect(off.code, off.output).toBe(0)
    expect(newestRun()).toBeNull()
    const on = await run(['vitest', 'run'], { VITEST_PROFILE: '1' })
    expect(on.code, on.output).toBe(0)
    expect(on.output).toContain('threads/processes seen: 3, profiles received: 3')
    const run_ = newestRun()
    expect(run_, on.output).not.toBeNull()
    expect(run_!.summary.tests.map((t) => t.name).sort()).toEqual(['main thread work', 'tinypool work'])
    expect(run_!.summary.tests.find((t) => t.name === 'main thread work')!.samplesMain).toBeGreaterThan(20)
  })
})
