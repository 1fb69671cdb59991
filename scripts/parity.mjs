#!/usr/bin/env node
// Parity harness: does a real vitest suite behave the same under `vitest-profile run` as under `vitest run`?
//
//   node scripts/parity.mjs <projectDir>... [--runs N] [--warm N] [--profiler DIR] [--out DIR] [--timeout S]
//                           [--debug] [--keep-leftovers] [--budgets] [-- extra vitest args]
// --budgets: the second variant is not `vitest-profile run` but plain vitest with the plugin added to the
// project's own config (profiling off) and a default budget on every test (cpu and wall of an hour: every test
// is metered, none can fail on it): what a user with budgets in the config runs on every `vitest run`.
//
// Per project: --warm plain runs first (default 2: the suite's natural flakiness, before any profiled run), then
// --runs pairs (default 2) of plain and profiled, interleaved so that host-load drift hits both alike. Both run
// `node <bin> run --reporter=default --reporter=json --outputFile=<tmp>` in the project dir. Outcomes are
// compared from the JSON reporter only (stdout differs by design: the profiled run prints its report); the
// default reporter is kept so each run's log reads like the suite's own. Logs, JSON results, a copy of each
// profiled run's .vitest-profile/ and results.json go to --out (default /tmp/parity-<timestamp>).
import { spawn, execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'

const repoRoot = fileURLToPath(new URL('..', import.meta.url))
const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const median = (xs) => { const s = xs.filter((x) => x != null).sort((a, b) => a - b); return s.length ? (s[(s.length - 1) >> 1] + s[s.length >> 1]) / 2 : null }

function parseArgs(argv) {
  const o = { projects: [], runs: 2, warm: 2, profiler: null, out: `/tmp/parity-${stamp}`, timeout: 600, debug: false, keepLeftovers: false, extra: [] }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--') { o.extra = argv.slice(i + 1); break }
    else if (a === '--runs' || a === '--warm' || a === '--timeout') o[a.slice(2)] = Number(argv[++i])
    else if (a === '--profiler' || a === '--out') o[a.slice(2)] = path.resolve(argv[++i])
    else if (a === '--debug') o.debug = true
    else if (a === '--keep-leftovers') o.keepLeftovers = true
    else if (a === '--budgets') o.budgets = true
    else if (a.startsWith('-')) throw new Error(`unknown option ${a}`)
    else o.projects.push(path.resolve(a))
  }
  if (!o.projects.length) throw new Error('usage: node scripts/parity.mjs <projectDir>... [--runs N] [--warm N] [--profiler DIR] [--out DIR] [--timeout S] [--debug] [--keep-leftovers] [-- vitest args]')
  return o
}

// Other engineers rebuild /work/main/dist while this runs (scripts/build.mjs swaps it by rename), so by default
// the harness works on a private copy taken once at start; a copy racing a swap fails or lacks files: retry.
async function snapshotProfiler() {
  const dest = `/tmp/vp-snapshot-${stamp}`
  for (let attempt = 0; attempt < 10; attempt++) {
    try {
      fs.rmSync(dest, { recursive: true, force: true })
      fs.mkdirSync(dest, { recursive: true })
      fs.cpSync(path.join(repoRoot, 'dist'), path.join(dest, 'dist'), { recursive: true })
      fs.copyFileSync(path.join(repoRoot, 'package.json'), path.join(dest, 'package.json'))
      if (['bin.js', 'index.js', 'agent/preload.cjs', 'agent/setup.js'].every((f) => fs.existsSync(path.join(dest, 'dist', f)))) return dest
    } catch {}
    await sleep(2000)
  }
  throw new Error(`could not snapshot ${repoRoot}dist (is a build running, or is there none?)`)
}

// Like npm would: a COPY in <project>/node_modules/vitest-profiler (vitest imports a setup file under
// node_modules natively, while a symlink resolves to its real path and goes through Vite's transforms, see
// bench/variants.mjs), plus whichever of its dependencies node's lookup from there would not find.
function findUp(fromDir, name) {
  for (let d = fromDir; ; d = path.dirname(d)) {
    const p = path.join(d, 'node_modules', name)
    if (fs.existsSync(path.join(p, 'package.json'))) return p
    if (path.dirname(d) === d) return null
  }
}
function installProfiler(profDir, project) {
  const installed = path.join(project, 'node_modules', 'vitest-profiler')
  fs.rmSync(installed, { recursive: true, force: true })
  fs.mkdirSync(installed, { recursive: true })
  fs.cpSync(path.join(profDir, 'dist'), path.join(installed, 'dist'), { recursive: true })
  fs.copyFileSync(path.join(profDir, 'package.json'), path.join(installed, 'package.json'))
  const copied = []
  const ensure = (pkgDir, depth = 0) => {
    const deps = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')).dependencies ?? {}
    for (const name of Object.keys(deps)) {
      if (findUp(pkgDir, name)) continue
      const src = findUp(profDir, name) ?? findUp(repoRoot, name)
      if (!src) throw new Error(`dependency ${name} of the profiler found neither in ${project} nor in ${profDir} / ${repoRoot}`)
      const dest = path.join(installed, 'node_modules', name)
      fs.cpSync(src, dest, { recursive: true, dereference: true })
      copied.push(name)
      if (depth < 5) ensure(dest, depth + 1)
    }
  }
  ensure(installed)
  return copied
}

// Every process, to find what a run left behind: new since before the run, alive ~2 s after vitest exited, and
// in the run's process group or with its cwd or arguments inside the project.
function ps() {
  const out = execFileSync('ps', ['-eo', 'pid=,ppid=,pgid=,nlwp=,rss=,args='], { encoding: 'utf8' })
  return out.split('\n').filter(Boolean).map((l) => {
    const [pid, ppid, pgid, nlwp, rss, ...args] = l.trim().split(/\s+/)
    let cwd = null
    try { cwd = fs.readlinkSync(`/proc/${pid}/cwd`) } catch {}
    return { pid: +pid, ppid: +ppid, pgid: +pgid, nlwp: +nlwp, rssKb: +rss, args: args.join(' '), cwd }
  })
}

// A leftover's threads by name (e.g. one `v8:ProfEvntProc` per isolate that has a V8 CPU profiler running).
function threadNames(pid) {
  const h = {}
  try { for (const t of fs.readdirSync(`/proc/${pid}/task`)) { const n = fs.readFileSync(`/proc/${pid}/task/${t}/comm`, 'utf8').trim(); h[n] = (h[n] ?? 0) + 1 } } catch {}
  return h
}
// Leftovers are processes this run started. Left alive they would load the CPU and write into the next run's
// output dir, so (unless --keep-leftovers) they are ended by pid: SIGTERM first (noting whether it sufficed),
// then SIGKILL.
async function endLeftovers(list) {
  const alive = (pid) => { try { process.kill(pid, 0); return true } catch { return false } }
  for (const p of list) { try { process.kill(p.pid, 'SIGTERM') } catch {} }
  await sleep(3000)
  for (const p of list) {
    p.survivedSigterm = alive(p.pid)
    if (p.survivedSigterm) { try { process.kill(p.pid, 'SIGKILL') } catch {} }
  }
  await sleep(500)
}

// The project's own config with the plugin added (vite bundles the config file, so the wrapper can import it).
function writeBudgetsConfig(project) {
  const own = ['vitest.config.ts', 'vitest.config.mts', 'vitest.config.js', 'vitest.config.mjs', 'vite.config.ts', 'vite.config.mts'].find((f) => fs.existsSync(path.join(project, f)))
  const file = path.join(project, 'vitest.parity-budgets.config.mjs')
  fs.writeFileSync(file, [
    `import { mergeConfig } from 'vitest/config'`,
    `import profiler from 'vitest-profiler'`,
    own ? `import base from './${own}'` : `const base = {}`,
    `export default async (env) => mergeConfig(typeof base === 'function' ? await base(env) : await base, { plugins: [profiler({ budget: { cpu: '3600s', wall: '3600s' } })] })`,
    '',
  ].join('\n'))
  return file
}

const du = (p) => { try { return Number(execFileSync('du', ['-sk', p], { encoding: 'utf8' }).split(/\s/)[0]) * 1024 } catch { return null } }
const stripAnsi = (s) => s.replace(/\u001b\[[0-9;?]*[ -/]*[@-~]/g, '')
// Lines compared across runs: no colours, no numbers (durations, pids, ports), no temp-dir names.
const normLine = (s) => stripAnsi(s).trim().replace(/\/tmp\/[^\s'"]+/g, '<tmp>').replace(/\d+(\.\d+)?/g, '#')
const DEBUG_LINE = /^vitest-profiler:\w+ \[\d+-\d+\] /

async function runOnce(opts, project, variant, idx) {
  const dir = path.join(opts.out, path.basename(project))
  fs.mkdirSync(dir, { recursive: true })
  const tag = `${variant}-${idx}`
  const jsonFile = path.join(dir, `${tag}.json`)
  fs.rmSync(jsonFile, { force: true })
  const budgets = opts.budgets && variant === 'profiled'
  const bin = variant === 'profiled' && !budgets ? 'node_modules/vitest-profiler/dist/bin.js' : 'node_modules/vitest/vitest.mjs'
  const config = budgets ? ['--config', writeBudgetsConfig(project)] : []
  // --no-cache: vitest orders files by its results cache (failed first, then slowest), which every run rewrites
  // and both variants share (same root): interleaved runs would each get the order the other one left, and late
  // in tinypool's suite its pool-destroy tests are slow in either mode (found by bisecting, stop 14).
  const argv = [bin, 'run', ...config, '--no-cache', '--reporter=default', '--reporter=json', `--outputFile=${jsonFile}`, ...opts.extra]
  // A fresh output dir per profiled run: its size is this run's, and report.json cannot be a previous run's.
  const outDir = path.join(project, '.vitest-profile')
  if (variant === 'profiled') fs.rmSync(outDir, { recursive: true, force: true })
  const env = { ...process.env }
  delete env.VITEST_PROFILE
  // DEBUG reaches every agent, including in processes the tests spawn with piped stderr (where it can break
  // the suite's own stderr assertions), so it is opt-in and only for the profiled variant.
  if (variant === 'profiled' && opts.debug) env.DEBUG = 'vitest-profiler:reporter'
  // The host's 1-min load at start: other users' jobs on a 2-core machine move wall times a lot.
  const load = os.loadavg()[0]
  const before = new Set(ps().map((p) => p.pid))
  const t0 = performance.now()
  // detached: its own process group, so a timeout can end the run's whole tree, and leftovers are recognizable.
  const child = spawn(process.execPath, argv, { cwd: project, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
  const out = { stdout: [], stderr: [] }
  child.stdout.on('data', (b) => out.stdout.push(b))
  child.stderr.on('data', (b) => out.stderr.push(b))
  const timer = setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL') } catch {} }, opts.timeout * 1000)
  const [code, signal] = await new Promise((r) => child.on('exit', (c, s) => r([c, s])))
  const wallMs = performance.now() - t0
  const exitAt = Date.now()
  clearTimeout(timer)
  // 'close' waits for every holder of the pipes: a leftover grandchild would hang us. Give it 2 s, then let go.
  await Promise.race([new Promise((r) => child.on('close', r)), sleep(2000)])
  child.stdout.destroy(); child.stderr.destroy()
  await sleep(Math.max(0, 2000 - (Date.now() - exitAt)))
  const leftovers = ps().filter((p) => !before.has(p.pid) && p.pid !== process.pid && !/^ps /.test(p.args) &&
    (p.pgid === child.pid || (p.cwd && p.cwd.startsWith(project)) || p.args.includes(project)))
  for (const p of leftovers) p.threads = threadNames(p.pid)
  const stdout = Buffer.concat(out.stdout).toString(), stderr = Buffer.concat(out.stderr).toString()
  fs.writeFileSync(path.join(dir, `${tag}.stdout`), stdout)
  fs.writeFileSync(path.join(dir, `${tag}.stderr`), stderr)
  const r = { project, variant, idx, argv, load, code, signal, timedOut: wallMs >= opts.timeout * 1000, wallMs, leftovers,
    stdoutLines: stdout.split('\n').length - 1, stderrLines: stderr.split('\n').length - 1, stderr: stderr.split('\n') }
  try {
    const j = JSON.parse(fs.readFileSync(jsonFile, 'utf8'))
    r.counts = { passed: j.numPassedTests, failed: j.numFailedTests, skipped: (j.numPendingTests ?? 0) + (j.numTodoTests ?? 0) }
    r.tests = {}
    let lastEnd = 0
    for (const f of j.testResults ?? []) {
      const rel = path.relative(project, f.name)
      lastEnd = Math.max(lastEnd, f.endTime ?? 0)
      // A file that failed outside any test (import error, afterAll) shows up only at file level.
      if (f.status === 'failed' && f.message) r.tests[`${rel} (file)`] = { status: 'failed', message: f.message }
      for (const a of f.assertionResults ?? []) {
        r.tests[`${rel} > ${[...a.ancestorTitles, a.title].join(' > ')}`] = { status: a.status, message: (a.failureMessages ?? []).join('\n'), abs: f.name, name: [...a.ancestorTitles, a.title].join(' > ') }
      }
    }
    // Time from the last file's end (vitest's clock) to the process's exit: the report's cost, plus teardown.
    r.tailMs = lastEnd ? exitAt - lastEnd : null
  } catch (e) { r.jsonError = String(e.message ?? e) }
  if (variant === 'profiled') {
    r.outputBytes = du(outDir)
    const m = /read, attributed and reported in (\d+) ms/.exec(stderr)
    if (m) r.reporterMs = Number(m[1])
    try {
      const rep = JSON.parse(fs.readFileSync(path.join(outDir, 'report', 'report.json'), 'utf8'))
      r.report = { runId: rep.run.runId, seen: rep.threadsSeen, received: rep.profilesReceived, missing: rep.missing, notes: rep.notes,
        unflushed: rep.threads.filter((t) => t.ending.status !== 'flushed').map((t) => ({ key: t.key, kind: t.kind, title: t.title, entry: t.entry, ending: t.ending })),
        problems: rep.threads.flatMap((t) => t.problems.map((p) => `${t.key} (${t.kind} ${t.entry}): ${p}`)) }
      const inReport = new Set(rep.tests.map((t) => `${t.file} > ${t.name}`))
      r.report.testsInReport = inReport.size
      // Tests vitest ran (passed or failed) that have no bucket in report.json: their window was never recorded.
      r.report.missingTests = Object.values(r.tests ?? {}).filter((t) => t.abs && (t.status === 'passed' || t.status === 'failed'))
        .map((t) => `${path.relative(rep.run.rootDir, t.abs)} > ${t.name}`).filter((k) => !inReport.has(k))
    } catch (e) { r.reportError = String(e.message ?? e) }
  }
  if (leftovers.length && !opts.keepLeftovers) await endLeftovers(leftovers)
  // After the leftovers are gone: what they wrote after vitest exited is part of the evidence.
  if (variant === 'profiled' && fs.existsSync(outDir)) { r.outputBytesAfterLeftovers = du(outDir); fs.cpSync(outDir, path.join(dir, `${tag}.vitest-profile`), { recursive: true }) }
  return r
}

const fmtS = (ms) => (ms == null ? '-' : `${(ms / 1000).toFixed(2)}s`)
const fmtB = (b) => (b == null ? '-' : b > 1 << 20 ? `${(b / (1 << 20)).toFixed(1)} MiB` : `${(b / 1024).toFixed(0)} KiB`)
const counts = (r) => (r.counts ? `${r.counts.passed}/${r.counts.failed}/${r.counts.skipped}` : `no JSON (${r.jsonError?.slice(0, 40)})`)

function printProject(project, runs) {
  const name = path.basename(project)
  const plain = runs.filter((r) => r.variant === 'plain'), prof = runs.filter((r) => r.variant === 'profiled')
  const lines = []
  lines.push(`\n## ${name}\n`)
  lines.push('| variant | run | pass/fail/skip | exit | wall | ×plain (paired) | seen/received | tail (last result→exit) | reporter (debug) | .vitest-profile | leftovers | load |')
  lines.push('|:--|--:|:--|--:|--:|--:|:--|--:|--:|--:|:--|--:|')
  for (const r of runs) {
    const pair = r.variant === 'profiled' ? plain.find((p) => p.idx === r.idx && !p.warm) : null
    const rep = r.report ? `${r.report.seen}/${r.report.received}` : r.variant === 'profiled' ? `no report` : '-'
    lines.push(`| ${r.variant}${r.warm ? ' (warm)' : ''} | ${r.idx} | ${counts(r)} | ${r.code ?? r.signal}${r.timedOut ? ' TIMEOUT' : ''} | ${fmtS(r.wallMs)} | ` +
      `${pair ? (r.wallMs / pair.wallMs).toFixed(3) + '×' : '-'} | ${rep} | ${fmtS(r.tailMs)} | ${r.reporterMs != null ? r.reporterMs + ' ms' : '-'} | ` +
      `${r.variant === 'profiled' ? fmtB(r.outputBytes) + (r.outputBytesAfterLeftovers > r.outputBytes * 1.05 ? ` (${fmtB(r.outputBytesAfterLeftovers)} after leftovers)` : '') : '-'} | ${r.leftovers.length || '-'} | ${r.load.toFixed(1)} |`)
  }
  const pw = median(plain.filter((r) => !r.warm).map((r) => r.wallMs)), fw = median(prof.map((r) => r.wallMs))
  const paired = median(prof.map((r) => { const p = plain.find((q) => q.idx === r.idx && !q.warm); return p ? r.wallMs / p.wallMs : null }))
  lines.push(`\nmedian wall: plain ${fmtS(pw)}, profiled ${fmtS(fw)} (${pw ? (fw / pw).toFixed(3) : '-'}× of medians, paired median ${paired?.toFixed(3) ?? '-'}×); ` +
    `median tail: plain ${fmtS(median(plain.map((r) => r.tailMs)))}, profiled ${fmtS(median(prof.map((r) => r.tailMs)))}`)
  // Outcomes per test over all runs of each variant; a divergence is a profiled outcome that no plain run had.
  const outcomes = (rs) => { const m = new Map(); for (const r of rs) for (const [k, t] of Object.entries(r.tests ?? {})) { if (!m.has(k)) m.set(k, []); m.get(k).push(t.status) } return m }
  const po = outcomes(plain), fo = outcomes(prof)
  const flaky = [...po].filter(([, s]) => new Set(s).size > 1 || s.length < plain.filter((r) => r.tests).length)
  if (flaky.length) lines.push(`\nnaturally flaky in plain runs (${flaky.length}):`, ...flaky.slice(0, 30).map(([k, s]) => `- ${k}: ${s.join(', ')}`))
  const diverging = [...new Set([...po.keys(), ...fo.keys()])].filter((k) => (fo.get(k) ?? ['(absent)']).some((s) => !(po.get(k) ?? ['(absent)']).includes(s)) ||
    (fo.get(k)?.length ?? 0) < prof.filter((r) => r.tests).length)
  lines.push(`\ntests whose profiled outcome no plain run had (${diverging.length}):`)
  for (const k of diverging) {
    lines.push(`- ${k}: plain [${(po.get(k) ?? ['absent']).join(', ')}], profiled [${(fo.get(k) ?? ['absent']).join(', ')}]`)
    const failed = prof.map((r) => r.tests?.[k]).find((t) => t && t.status === 'failed')
    if (failed) lines.push(...failed.message.split('\n').slice(0, 5).map((l) => `      ${stripAnsi(l)}`))
  }
  const plainStderr = new Set(plain.flatMap((r) => r.stderr.map(normLine)))
  const extra = new Map()
  for (const r of prof) for (const l of r.stderr) {
    const n = normLine(l)
    if (!n || plainStderr.has(n) || DEBUG_LINE.test(stripAnsi(l))) continue
    if (!extra.has(n)) extra.set(n, { line: stripAnsi(l).trimEnd(), runs: new Set() })
    extra.get(n).runs.add(r.idx)
  }
  lines.push(`\nstderr lines only in profiled runs (${extra.size}):`, ...[...extra.values()].slice(0, 40).map((e) => `    [runs ${[...e.runs].join(',')}] ${e.line.slice(0, 200)}`))
  for (const r of prof) {
    const rep = r.report
    if (r.reportError) lines.push(`- profiled ${r.idx}: report.json unreadable: ${r.reportError}`)
    if (!rep) continue
    if (rep.missingTests.length) lines.push(`- profiled ${r.idx}: ${rep.missingTests.length} tests ran but are not in report.json: ${rep.missingTests.slice(0, 10).join(' | ')}`)
    if (rep.missing.length) lines.push(`- profiled ${r.idx}: report.missing: ${JSON.stringify(rep.missing).slice(0, 600)}`)
    if (rep.unflushed.length) lines.push(`- profiled ${r.idx}: unflushed threads: ${JSON.stringify(rep.unflushed).slice(0, 600)}`)
    if (rep.problems.length) lines.push(`- profiled ${r.idx}: thread problems: ${rep.problems.slice(0, 10).join(' | ')}`)
    if (rep.notes.length) lines.push(`- profiled ${r.idx}: notes: ${rep.notes.slice(0, 5).join(' | ')}`)
  }
  for (const r of runs) for (const p of r.leftovers) lines.push(`- leftover after ${r.variant} ${r.idx}: pid ${p.pid} ppid ${p.ppid} nlwp ${p.nlwp} rss ${p.rssKb} KiB` +
    ` threads ${JSON.stringify(p.threads)}${p.survivedSigterm != null ? (p.survivedSigterm ? ' survived SIGTERM (SIGKILLed)' : ' ended by SIGTERM') : ''} cwd ${p.cwd} :: ${p.args.slice(0, 160)}`)
  return lines.join('\n')
}

async function main() {
  const opts = parseArgs(process.argv.slice(2))
  const profDir = opts.profiler ?? (await snapshotProfiler())
  fs.mkdirSync(opts.out, { recursive: true })
  console.log(`profiler: ${profDir}\nout: ${opts.out}\n`)
  const all = {}
  for (const project of opts.projects) {
    if (!fs.existsSync(path.join(project, 'node_modules', 'vitest', 'vitest.mjs'))) { console.log(`${project}: no node_modules/vitest, skipped`); continue }
    const copied = installProfiler(profDir, project)
    if (copied.length) console.log(`${path.basename(project)}: also copied the profiler's dependencies ${copied.join(', ')}`)
    const runs = []
    const step = async (variant, idx, warm = false) => {
      process.stderr.write(`${path.basename(project)}: ${variant}${warm ? ' (warm)' : ''} ${idx} ... `)
      const r = await runOnce(opts, project, variant, warm ? `w${idx}` : idx)
      r.warm = warm
      process.stderr.write(`exit ${r.code ?? r.signal} ${fmtS(r.wallMs)} ${counts(r)}\n`)
      runs.push(r)
    }
    for (let i = 1; i <= opts.warm; i++) await step('plain', i, true)
    for (let i = 1; i <= opts.runs; i++) { await step('plain', i); await step('profiled', i) }
    all[project] = runs
    fs.writeFileSync(path.join(opts.out, 'results.json'), JSON.stringify({ profiler: profDir, opts, runs: all }, null, 1))
    const text = printProject(project, runs)
    fs.writeFileSync(path.join(opts.out, `${path.basename(project)}.md`), text + '\n')
    console.log(text)
  }
}

main().catch((e) => { console.error(e); process.exit(2) })
