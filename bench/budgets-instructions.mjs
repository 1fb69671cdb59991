#!/usr/bin/env node
// The budgets-only overhead in instructions (issue #11): bench/budgets.mjs times the suite, but on this host a
// run's CPU time varies by +-5-10% from run to run, far more than the 1% the target asks to resolve. Instruction
// counts do not: the same suite run twice under valgrind's cachegrind (`--cache-sim=no`: counting only), with
// V8's `--predictable --predictable-gc-schedule` (no concurrent compiler or GC threads, and a heap that grows and
// shrinks by allocation, not by timers: without them a process's count moved by up to 9%, with them by less
// than 0.3%), retires nearly the same instructions per process. So this bench runs
// bench/fixtures/budgets/overhead without and with the plugin (profiling off) under cachegrind, every process of
// the tree followed (`--trace-children=yes`), and compares instructions retired, per role and for the whole tree:
// - vitest's own process;
// - the test processes (vitest's forks workers, with every thread they start: the tests' tinypool workers);
// - the Node children the tests fork or spawn synchronously (both get the flags: fork() through execArgv, the
//   synchronous one from the fixture), and the native one (sh).
// Instructions are a proxy for CPU time, not the same thing (a cache miss costs more than an add); they are what
// can be resolved here. The fixture's budgets are generous (600 s) so that valgrind's slowdown (~40x) fails none.
// A second table splits the whole tree's instructions by what ran (V8's parser, its compilers, its garbage
// collector, the rest; bench/cachegrind-parts.mjs): the collector's part of a difference is chaotic (that file
// says why), so the ratio is also given without it.
//
//   node bench/budgets-instructions.mjs      (needs dist/ and valgrind; npm run bench builds dist/ first)
//   env: BUDGET_INSN_PAIRS (pairs, default 2, >= 1), BUDGET_INSN_TIMEOUT (s per vitest run, default 900)
//
// Without valgrind it says so and exits 0 (bench/budgets.mjs still times the suite). Exit status 1 if a run
// failed or its processes are not the expected ones; the figures never set it.
import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { PART_NAMES, partsOf } from './cachegrind-parts.mjs'
import { median } from './paired.mjs'
import { installProfilerInto, repoRoot, vitestBin } from './variants.mjs'
import { dieWith, envInt as envIntOf, loadavg, printTable, runTimed } from './harness.mjs'

const die = dieWith('budgets instructions bench')
const pairs = envIntOf('BUDGET_INSN_PAIRS', 2, 1, die)
const timeout = envIntOf('BUDGET_INSN_TIMEOUT', 900, 1, die)
const TARGET = 1.01
const NO_GC = 'whole tree without the garbage collector'
const V8_FLAGS = ['--predictable', '--predictable-gc-schedule']
const suiteRoot = path.join(repoRoot, 'bench', 'fixtures', 'budgets')
const overheadDir = path.join(suiteRoot, 'overhead')
const scratch = path.join(repoRoot, '.cache', 'bench-budgets-instructions')
const VARIANTS = [
  { id: 'plain', config: 'vitest.plain.config.ts' },
  { id: 'budgets', config: 'vitest.budgets.config.ts' },
]
/** Processes per run: vitest, 3 test processes (one per file), 6 fork()ed children, 1 synchronous, 1 native. */
const EXPECTED = { vitest: 1, 'test process': 3, 'node child': 7, 'native child': 1 }

const probe = spawnSync('valgrind', ['--version'], { encoding: 'utf8' })
if (probe.status !== 0) {
  console.log('budgets instructions bench: valgrind not found, skipped (Debian: apt-get install valgrind)')
  process.exit(0)
}
const installed = installProfilerInto(suiteRoot)
if (!installed.ok) die(installed.error)
fs.rmSync(scratch, { recursive: true, force: true })
fs.rmSync(path.join(overheadDir, '.vitest-profile'), { recursive: true, force: true })
console.log(
  `budgets instructions bench: node bench/budgets-instructions.mjs, ${pairs} pair(s), ${probe.stdout.trim()} ` +
    `(cachegrind --cache-sim=no), node ${process.version} ${V8_FLAGS.join(' ')}, load ${loadavg()}`,
)

/** The role of one process, from the command line valgrind logged for it. */
function roleOf(command) {
  if (command.includes(vitestBin) || /vitest\.mjs run/.test(command)) return 'vitest'
  if (command.includes('child.mjs')) return 'node child'
  if (/^\S*node\b/.test(command)) return 'test process'
  return 'native child'
}

/** One run's processes, from valgrind's per-process logs: [{ role, command, instructions }]. */
function readLogs(dir) {
  const out = []
  for (const name of fs.readdirSync(dir)) {
    if (!name.endsWith('.log')) continue
    const text = fs.readFileSync(path.join(dir, name), 'utf8')
    const command = /== Command: (.*)/.exec(text)?.[1]
    const refs = /== I\s+refs:\s+([\d,]+)/.exec(text)?.[1]
    // A process valgrind followed into an exec() logs twice; only the last image's log has the total.
    if (!command || !refs) continue
    const cg = path.join(dir, `cg.${name.slice(1, -'.log'.length)}`)
    out.push({ role: roleOf(command), command, instructions: Number(refs.replaceAll(',', '')), parts: fs.existsSync(cg) ? partsOf(cg) : null })
  }
  return out
}

let failed = false
// One run with the plugin first, outside valgrind but with the same V8 flags (V8 rejects a code cache made under
// other flags): it fills the setup module's code cache in the output folder (agent/setup-loader.ts), as any
// earlier `vitest run` of the suite has. Without it the first measured run would also pay writing it.
{
  const env = { ...process.env, BUDGET_V8_FLAGS: V8_FLAGS.join(' ') }
  const { config } = VARIANTS.find((v) => v.id === 'budgets')
  const warm = await runTimed(process.execPath, [...V8_FLAGS, vitestBin, 'run', '--config', config], { cwd: overheadDir, env, timeoutS: timeout })
  if (warm.code !== 0) die(`the warm-up run with the plugin failed (exit ${warm.code ?? warm.signal}):\n${warm.output}`)
}
const runs = []
for (let rep = 0; rep < pairs; rep++) {
  const order = rep % 2 === 0 ? VARIANTS : [...VARIANTS].reverse()
  const pair = {}
  for (const v of order) {
    const logs = path.join(scratch, `${rep}-${v.id}`)
    fs.mkdirSync(logs, { recursive: true })
    const argv = [
      '--tool=cachegrind',
      '--cache-sim=no',
      '--trace-children=yes',
      `--cachegrind-out-file=${path.join(logs, 'cg.%p')}`,
      `--log-file=${path.join(logs, 'p%p.log')}`,
      process.execPath,
      ...V8_FLAGS,
      vitestBin,
      'run',
      '--config',
      v.config,
    ]
    // BUDGET_V8_FLAGS: the fixture's base.mjs gives the test processes the same flags.
    const env = { ...process.env, BUDGET_V8_FLAGS: V8_FLAGS.join(' ') }
    const r = await runTimed('valgrind', argv, { cwd: overheadDir, env, timeoutS: timeout })
    const procs = readLogs(logs)
    const count = (role) => procs.filter((p) => p.role === role).length
    const wrong = Object.entries(EXPECTED).filter(([role, n]) => count(role) !== n)
    const ok = r.code === 0 && wrong.length === 0
    if (!ok) {
      failed = true
      fs.writeFileSync(path.join(scratch, `${rep}-${v.id}.out`), r.output)
    }
    const total = procs.reduce((a, p) => a + p.instructions, 0)
    console.log(
      `  pair ${rep + 1}  ${v.id.padEnd(8)} exit ${r.code ?? r.signal}  ${(r.wallMs / 1000).toFixed(0)} s  ` +
        `${Object.keys(EXPECTED).map((role) => `${role} ${count(role)}`).join(', ')}  ${(total / 1e9).toFixed(3)} G instructions` +
        `${wrong.length ? '  UNEXPECTED PROCESSES' : ''}`,
    )
    if (ok) pair[v.id] = { byRole: byRole(procs), byWhat: byWhat(procs) }
  }
  if (pair.plain && pair.budgets) runs.push(pair)
}

/** Instructions (millions) of the whole tree by what they were spent on (cachegrind-parts.mjs), and without the GC. */
function byWhat(procs) {
  const out = {}
  for (const name of PART_NAMES) out[name] = procs.reduce((a, p) => a + (p.parts?.[name] ?? 0) / 1e6, 0)
  out[NO_GC] = PART_NAMES.filter((n) => n !== 'garbage collector').reduce((a, n) => a + out[n], 0)
  return out
}

/** Instructions (millions) by role. */
function byRole(procs) {
  const sum = (role) => procs.filter((p) => p.role === role).reduce((a, p) => a + p.instructions / 1e6, 0)
  const p = {
    'vitest process': sum('vitest'),
    'test processes': sum('test process'),
    'node children (forked, synchronous)': sum('node child'),
    'native child (sh)': sum('native child'),
  }
  p['whole tree'] = Object.values(p).reduce((a, x) => a + x, 0)
  return p
}

if (runs.length === 0) die('no complete pair: no figures (see the lines above and .cache/bench-budgets-instructions)')
const signed = (x) => `${x >= 0 ? '+' : ''}${x.toFixed(1)}`
const ratiosOf = (table, key) => runs.map((r) => r.budgets[table][key] / r.plain[table][key])
const rows = (table) =>
  Object.keys(runs[0].plain[table]).map((key) => {
    const plain = median(runs.map((r) => r.plain[table][key]))
    const budgets = median(runs.map((r) => r.budgets[table][key]))
    const ratios = ratiosOf(table, key)
    const spread = ratios.length > 1 ? ` (${Math.min(...ratios).toFixed(4)} – ${Math.max(...ratios).toFixed(4)})` : ''
    return [key, plain.toFixed(1), budgets.toFixed(1), signed(budgets - plain), `${median(ratios).toFixed(4)}x${spread}`]
  })
const header = ['without the plugin', 'with it, budgets only', 'difference', 'ratio (per pair: range)']
console.log('')
printTable(['by process (instructions, millions)', ...header], rows('byRole'), [0])
console.log('')
// Where the difference went, by V8's function names (cachegrind-parts.mjs): the collector's part moves with
// where each collection falls in the tests' own work, so the figure without it is what our code costs.
printTable(['whole tree by what ran (instructions, millions)', ...header], rows('byWhat'), [0])
const whole = median(ratiosOf('byRole', 'whole tree'))
const worst = Math.max(...ratiosOf('byRole', 'whole tree'))
const wholeNoGc = median(ratiosOf('byWhat', NO_GC))
console.log(
  `\nwhole tree: ${whole.toFixed(4)}x instructions (worst pair ${worst.toFixed(4)}x) against the target <= ${TARGET}x: ` +
    `${worst <= TARGET ? 'met' : 'missed'}; without V8's garbage collector ${wholeNoGc.toFixed(4)}x. ` +
    `Medians of ${runs.length} pair(s); load at the end: ${loadavg()}.`,
)
process.exit(failed ? 1 : 0)
