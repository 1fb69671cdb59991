/**
 * The gate's re-runs: before a regression fails the run, the breaching tests alone run again, `times` times,
 * each time in a new vitest process (the run that found them has ended: vitest cannot start another run from
 * inside its own end-of-run reporting). The same entry point and config as this run (process.argv[1]: vitest's
 * CLI or vitest-profile), only those files, `-t` with their names, `--project` per project, the JSON reporter
 * into a temporary file, and VITEST_PROFILER_GATE=measure so that the child meters every test and judges
 * nothing (gate-mode.ts takes it out of the child's env before any test starts).
 */
import { spawn } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import type { TestFigures } from '../budgets/baseline.js'
import { figuresFromJson } from './gate-figures.js'
import { GATE_ENV } from './gate-mode.js'

export interface RerunTarget {
  project: string | undefined
  /** Relative to the root. */
  file: string
  /** The describe chain and the test's name. */
  names: string[]
}

export interface RerunContext {
  root: string
  configFile?: string
  /** The run's output folder: the re-runs' JSON files go there (nothing of ours is written elsewhere). */
  outputDir: string
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/**
 * vitest matches -t against the describe chain and the name joined by spaces on vitest 4 (the runner's
 * getTaskFullName) and by ' > ' on vitest 5 (fullTestName): either separator, anchored at the end.
 */
export function namePattern(targets: readonly RerunTarget[]): string {
  return `(${[...new Set(targets.map((t) => t.names.map(escape).join('(?: | > )')))].join('|')})$`
}

export function rerunArgs(targets: readonly RerunTarget[], ctx: RerunContext, outputFile: string): string[] {
  const project = targets[0]?.project
  return [
    process.argv[1]!,
    'run',
    ...new Set(targets.map((t) => t.file)),
    '-t',
    namePattern(targets),
    ...(project ? ['--project', project] : []),
    '--root',
    ctx.root,
    ...(ctx.configFile ? ['--config', ctx.configFile] : []),
    '--reporter=json',
    `--outputFile=${outputFile}`,
  ]
}

/**
 * Runs the targets `times` times; one array of figures per re-run (only the targets' own tests). `afterEach`
 * runs after each re-run, before the next starts (the gate's calibration probe: the load of each re-run).
 */
export async function rerun(targets: readonly RerunTarget[], times: number, ctx: RerunContext, wanted: ReadonlySet<string>, afterEach?: () => Promise<void>): Promise<TestFigures[][]> {
  const byProject = new Map<string, RerunTarget[]>()
  for (const t of targets) byProject.set(t.project ?? '', [...(byProject.get(t.project ?? '') ?? []), t])
  fs.mkdirSync(path.join(ctx.outputDir, 'gate'), { recursive: true })
  const dir = fs.mkdtempSync(path.join(ctx.outputDir, 'gate', 'reruns-'))
  const runs: TestFigures[][] = []
  try {
    for (let i = 0; i < times; i++) {
      const figures: TestFigures[] = []
      for (const [project, group] of byProject) {
        const out = path.join(dir, `rerun-${i}-${figures.length}.json`)
        await new Promise<void>((resolve) => {
          const child = spawn(process.execPath, rerunArgs(group, ctx, out), {
            cwd: ctx.root,
            env: { ...process.env, [GATE_ENV]: 'measure' },
            stdio: 'ignore',
          })
          child.on('error', () => resolve())
          child.on('exit', () => resolve())
        })
        try {
          const json = JSON.parse(fs.readFileSync(out, 'utf8'))
          figures.push(...figuresFromJson(json, ctx.root, project || undefined).filter((f) => wanted.has(f.key)))
        } catch {
          // A re-run that wrote nothing (it crashed): its tests count as missing from that re-run.
        }
      }
      runs.push(figures)
      await afterEach?.()
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
  return runs
}
