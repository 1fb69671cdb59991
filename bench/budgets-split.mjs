#!/usr/bin/env node
// Where the budgets-only mode's CPU goes (issue #11): bench/budgets.mjs measures the whole process tree; this
// splits the same suite's CPU by process, so that a cost can be pinned on the part of the plugin that pays it.
//
// bench/fixtures/budgets/overhead, run without and with the plugin (profiling off) in interleaved pairs, like
// bench/budgets.mjs, with bench/cpu-recorder.cjs preloaded into vitest's process, its test processes and the
// Node children the tests fork (BUDGET_SPLIT_RECORDER, read by the fixture's base.mjs). Each process writes its
// CPU when it ends. Per pair, per role, the difference (with the plugin minus without), and the median of the
// pairs' differences with its bootstrap 95% interval (paired.mjs):
// - vitest's own process (the plugin's entry, its reporter, the setup stub's transform);
// - the test processes (vitest's forks workers): their main threads (setup file, meter, per-test hooks), their
//   other threads (the tests' tinypool workers with the meter's preload, and V8's GC and compiler helpers), and
//   the GC of their main threads;
// - the Node children the tests fork (the plugin takes its preload out of their execArgv: expected ~0);
// - the rest of the tree (the synchronous and the native child, and anything no recorder saw).
// The recorder itself runs in both variants alike. Differences, not ratios: a part's cost is what it adds.
//
//   node bench/budgets-split.mjs        (needs dist/: npm run build, or npm run bench)
//   env: BUDGET_SPLIT_REPS (pairs, default 8, >= 3), BUDGET_SPLIT_TIMEOUT (s per vitest run, default 180)
//
// Exit status 1 if a run failed or a process's record is missing; the figures never set it (the host's noise).
import * as fs from 'node:fs'
import * as path from 'node:path'
import { median, medianInterval } from './paired.mjs'
import { installProfilerInto, repoRoot, vitestBin } from './variants.mjs'
import { dieWith, envInt as envIntOf, loadavg, printTable, runTimed } from './harness.mjs'

const die = dieWith('budgets split bench')
const reps = envIntOf('BUDGET_SPLIT_REPS', 8, 3, die)
const timeout = envIntOf('BUDGET_SPLIT_TIMEOUT', 180, 1, die)
const suiteRoot = path.join(repoRoot, 'bench', 'fixtures', 'budgets')
const overheadDir = path.join(suiteRoot, 'overhead')
const recorder = path.join(repoRoot, 'bench', 'cpu-recorder.cjs')
const scratch = path.join(repoRoot, '.cache', 'bench-budgets-split')
const VARIANTS = [
  { id: 'plain', config: 'vitest.plain.config.ts' },
  { id: 'budgets', config: 'vitest.budgets.config.ts' },
]
/**
 * The fixture's recorded processes per run: vitest, 3 test processes (one per file), and the 6 fork()ed children
 * of children.test.ts. Its synchronous child (execFileSync of node, no inherited execArgv) and its native child
 * run no recorder: they are in "rest of the tree".
 */
const EXPECTED = { vitest: 1, 'test process': 3, 'node child': 6 }

const installed = installProfilerInto(suiteRoot)
if (!installed.ok) die(installed.error)
fs.rmSync(scratch, { recursive: true, force: true })
fs.mkdirSync(scratch, { recursive: true })
fs.rmSync(path.join(overheadDir, '.vitest-profile'), { recursive: true, force: true })
console.log(`budgets split bench: node bench/budgets-split.mjs, ${reps} interleaved pairs (+1 warm-up), node ${process.version}, load ${loadavg()}`)

let failed = false
/** run id -> variant -> the run's records */
const runs = new Map()
for (let rep = -1; rep < reps; rep++) {
  const order = (rep + 1) % 2 === 0 ? VARIANTS : [...VARIANTS].reverse()
  for (const v of order) {
    // One file per run: its processes' records and nothing else.
    const out = path.join(scratch, `${rep}-${v.id}.jsonl`)
    // vitest's own process has the recorder on its command line; the test processes get it from the config.
    const env = { ...process.env, BUDGET_SPLIT_RECORDER: recorder, BUDGET_SPLIT_OUT: out }
    const r = await runTimed(process.execPath, ['--require', recorder, vitestBin, 'run', '--config', v.config], { cwd: overheadDir, env, timeoutS: timeout })
    const records = readRecords(out)
    const count = (role) => records.filter((x) => x.role === role).length
    const missing = Object.entries(EXPECTED).filter(([role, n]) => count(role) !== n)
    const ok = r.code === 0 && missing.length === 0
    if (!ok) failed = true
    console.log(`  ${rep < 0 ? 'warm-up' : `pair ${rep + 1} `}  ${v.id.padEnd(8)} exit ${r.code}  records ${Object.keys(EXPECTED).map((role) => `${role} ${count(role)}`).join(', ')}${missing.length ? '  MISSING' : ''}`)
    if (rep >= 0 && ok) {
      if (!runs.has(rep)) runs.set(rep, {})
      runs.get(rep)[v.id] = parts(records)
    }
  }
}

function readRecords(file) {
  try {
    return fs.readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l))
  } catch {
    return []
  }
}

/** One run's CPU by part (ms). */
function parts(records) {
  const sum = (role, f) => records.filter((x) => x.role === role).reduce((a, x) => a + (f(x) ?? 0), 0)
  const vitest = records.find((x) => x.role === 'vitest')
  const tree = vitest.cpuMs + (vitest.reapedMs ?? 0)
  const p = {
    'vitest process': vitest.cpuMs,
    'test processes': sum('test process', (x) => x.cpuMs),
    '  their main threads': sum('test process', (x) => x.mainThreadMs),
    '  their other threads': sum('test process', (x) => x.cpuMs - (x.mainThreadMs ?? x.cpuMs)),
    '  GC in their main threads': sum('test process', (x) => x.gcMs),
    'node children': sum('node child', (x) => x.cpuMs),
  }
  p['rest of the tree'] = tree - p['vitest process'] - p['test processes'] - p['node children']
  p['whole tree'] = tree
  return p
}

const pairs = [...runs.values()].filter((r) => r.plain && r.budgets)
if (pairs.length < 3) die(`only ${pairs.length} complete pairs: no figures (see the MISSING lines above)`)
const fmt = (x) => (x === null ? 'n/a' : `${x >= 0 ? '+' : ''}${x.toFixed(1)}`)
const rows = Object.keys(pairs[0].plain).map((part) => {
  const diffs = pairs.map((r) => r.budgets[part] - r.plain[part])
  const ci = medianInterval(diffs)
  return [part, median(pairs.map((r) => r.plain[part])).toFixed(1), median(pairs.map((r) => r.budgets[part])).toFixed(1), ci ? `${fmt(ci.median)} (${fmt(ci.low)} – ${fmt(ci.high)})` : 'n/a']
})
const head = ['part (CPU, ms)', 'without the plugin (median)', 'with it, budgets only (median)', 'paired difference (95% CI)']
console.log('')
printTable(head, rows, [0])
console.log(`\n${pairs.length} pairs. Difference: with the plugin minus without, per pair; its median and a percentile bootstrap interval. Load at the end: ${loadavg()}.`)
process.exit(failed ? 1 : 0)
