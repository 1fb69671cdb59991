/**
 * The regression gate's figures of a run: per test that passed, what the budget meter measured in its last
 * attempt (agent/meter.ts, recorded in its meta), keyed `project › file › describe › test`; with the test's top
 * lines when the run was profiled (from the report of the same run). From vitest's reporter objects (a run in
 * this process) or from its JSON reporter's output (a re-run the gate started in another process).
 */
import * as path from 'node:path'
import { attemptsInOrder, meterOf } from '../budgets/summary.js'
import { testKey, testName, type TestFigures, type TopLine } from '../budgets/baseline.js'
import type { AttemptRecord } from '../budgets/attempt.js'
import type { JsonReport } from '../report/schema.js'

interface SuiteLike {
  type?: string
  name: string
  parent?: SuiteLike
}
export interface TestCaseLike {
  id: string
  name: string
  parent?: SuiteLike
  project?: { name?: string }
  result(): { state: string }
  meta(): Record<string, unknown>
}
export interface TestModuleLike {
  moduleId: string
  relativeModuleId?: string
  children: { allTests(): Iterable<TestCaseLike> }
}

const TOP_LINES = 5

function figuresOf(last: AttemptRecord, key: string, file: string, name: string, topLines?: TopLine[]): TestFigures {
  const m = last.measured
  return {
    key,
    file,
    name,
    cpuMs: m.main + m.workers,
    mainMs: m.main,
    workersMs: m.workers,
    wallMs: m.wall,
    boundMs: m.bound,
    ...(typeof m.helpers === 'number' ? { helpersMs: m.helpers } : {}),
    ...(topLines?.length ? { topLines } : {}),
  }
}

/** The top lines of each test's last attempt in a profiled run's report, by vitest test id. */
function topLinesById(report: JsonReport | null): Map<string, TopLine[]> {
  const out = new Map<string, { attempt: number; lines: TopLine[] }>()
  for (const t of report?.tests ?? []) {
    if (t.kind !== 'test') continue
    const id = t.id.replace(/#\d+$/, '')
    const attempt = t.attempt ?? 1
    if ((out.get(id)?.attempt ?? 0) > attempt) continue
    const lines = t.lines
      .filter((l) => l.level === 'line' && l.line !== null && !l.package)
      .slice(0, TOP_LINES)
      .map((l) => ({ line: `${l.file}:${l.line}`, selfMs: l.cpuUs / 1000, mainMs: l.mainUs / 1000, workersMs: l.workersUs / 1000 }))
    out.set(id, { attempt, lines })
  }
  return new Map([...out].map(([k, v]) => [k, v.lines]))
}

/** `perTest`, when given, receives each test's own tolerance (`meta.budget.regression`) by key. */
export function figuresFromModules(modules: readonly TestModuleLike[], rootDir: string, report: JsonReport | null, perTest?: Record<string, number>): TestFigures[] {
  const lines = topLinesById(report)
  const out: TestFigures[] = []
  for (const m of modules) {
    const file = m.relativeModuleId ?? path.relative(rootDir, m.moduleId)
    for (const tc of m.children.allTests()) {
      // A failed test's CPU says little (it stopped early, or ran the failure's path): not gated, not baselined.
      if (tc.result().state !== 'passed') continue
      const meter = meterOf(tc.meta())
      const last = meter ? attemptsInOrder(meter).at(-1) : undefined
      if (!last) continue
      const suite: string[] = []
      for (let p = tc.parent; p && p.type === 'suite'; p = p.parent) suite.unshift(p.name)
      const project = tc.project?.name || undefined
      const key = testKey({ project, file, suite, test: tc.name })
      if (perTest && last.regression !== undefined) perTest[key] = last.regression
      out.push(figuresOf(last, key, file, testName(suite, tc.name), lines.get(tc.id)))
    }
  }
  return out
}

interface JsonResult {
  testResults?: { name: string; assertionResults?: { ancestorTitles: string[]; title: string; status: string; meta?: Record<string, unknown> }[] }[]
}

/** From vitest's JSON reporter output of a re-run of one project (`project`: its name, or undefined). */
export function figuresFromJson(json: JsonResult, rootDir: string, project: string | undefined): TestFigures[] {
  const out: TestFigures[] = []
  for (const f of json.testResults ?? []) {
    const file = path.relative(rootDir, f.name)
    for (const a of f.assertionResults ?? []) {
      if (a.status !== 'passed') continue
      const meter = meterOf(a.meta)
      const last = meter ? attemptsInOrder(meter).at(-1) : undefined
      if (!last) continue
      out.push(figuresOf(last, testKey({ project, file, suite: a.ancestorTitles, test: a.title }), file, testName(a.ancestorTitles, a.title)))
    }
  }
  return out
}
