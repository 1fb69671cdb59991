/**
 * `vitest-profile [any vitest args]`: vitest with profiling on, no config change needed.
 *
 * Built on createVitest() rather than startVitest(..., { plugins }): an injected plugin's configureVitest never
 * runs for `test.projects` on vitest 4 (and skips file-based projects on 5), while instrumenting every
 * `ctx.projects[i].config` after createVitest works on both (PLATFORM-FACTS.md). The run/exit sequence below
 * mirrors vitest's own `startVitest` + CLI `start()` (its checks of the command line, the keyboard shortcuts of
 * watch mode), so exit codes and keys are vitest's. Our own flags (`--profiler.*`, cli-flags.ts; the gate's,
 * gate-mode.ts) are taken out of argv first. Subcommands that run no tests (list, init, bench) go to vitest's
 * own CLI unchanged; --help and --version too, followed (or preceded) by ours.
 */
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import * as path from 'node:path'
import { DISABLED_BY_CONFIG, PROFILE_ENV } from './activation.js'
import { resolveOptions } from './options.js'
import { ProfileSession } from './session.js'
import { debug } from '../agent/debug.js'
import { GATE_FLAGS, takeGateFlags, type GateFlags } from './gate-mode.js'
import { mergeGateShards } from './gate-merge.js'
import { CLI_OPTIONS, profilerHelp, takeProfilerFlags, withCliOptions } from './cli-flags.js'
import { watchIgnorePlugin } from './watch-ignore.js'
import { checkVitestArgv, loadCreateCLI, normalizeCliOptions, normalizeFilter, vitestPackageDir } from './vitest-cli.js'

const SESSION = Symbol.for('vitest-profiler.session')
const PROFILED_SUBCOMMANDS = new Set(['run', 'watch', 'dev', 'related'])
const HELP_FLAGS = new Set(['-h', '--help'])
const VERSION_FLAGS = new Set(['-v', '--version'])

/** The parts of vitest's Vitest instance the run sequence uses beyond createVitest's (v4 and v5 have them). */
interface VitestCtx {
  version: string
  config: { watch: boolean; standalone?: boolean; mergeReports?: unknown; listTags?: unknown; clearCache?: unknown }
  logger: { error(...a: unknown[]): void; printError(e: unknown, o: object): void }
  onAfterSetServer(fn: () => void): void
  start(filters: string[]): Promise<unknown>
  standalone?(): Promise<unknown>
  init?(): Promise<unknown>
  mergeReports(): Promise<unknown>
  listTags?(): Promise<unknown>
  clearCache?(): Promise<unknown>
  experimental_clearCache?(): Promise<unknown>
  runTestSpecifications(specs: unknown[], all: boolean): Promise<unknown>
  globTestSpecifications(filters: string[]): Promise<unknown[]>
  shouldKeepServer(): boolean
  closingPromise?: unknown
  close(): Promise<void>
  exit(force?: boolean): Promise<void>
}

/** A one-line error of ours (a bad flag or option): no stack, exit 1 (issue #10.14). */
function fail(message: string): void {
  console.error(message)
  process.exitCode = 1
}

async function main(rawArgv: string[]): Promise<void> {
  // Our flags, then the regression gate's: vitest would reject both (cli-flags.ts, gate-mode.ts).
  const ours = takeProfilerFlags(rawArgv)
  if ('error' in ours) return fail(ours.error)
  const taken = takeGateFlags(ours.rest)
  if ('error' in taken) return fail(taken.error)
  const argv = taken.rest
  const flags: GateFlags = taken.flags
  ;(globalThis as Record<symbol, unknown>)[GATE_FLAGS] = flags
  ;(globalThis as Record<symbol, unknown>)[CLI_OPTIONS] = ours.options
  // `--merge-reports <dir>` holding the gate's shard files: our merge; vitest's blob reports stay vitest's.
  const merge = argv.findIndex((a) => a === '--merge-reports' || a.startsWith('--merge-reports='))
  if (merge !== -1) {
    const dir = argv[merge]!.includes('=') ? argv[merge]!.split('=')[1] : argv[merge + 1]
    if (dir && !dir.startsWith('-') && mergeGateShards(dir, flags)) return
  }
  const own = argv.slice(0, argv.includes('--') ? argv.indexOf('--') : argv.length)
  if (own.some((a) => HELP_FLAGS.has(a))) {
    // vitest's help as its CLI prints it (also `--help --coverage`), then ours.
    delegate(argv)
    process.stdout.write(`\n${profilerHelp()}`)
    return
  }
  if (own.some((a) => VERSION_FLAGS.has(a))) {
    console.log(`vitest-profiler/${ownVersion()}`)
    return delegate(argv)
  }
  const sub = argv[0]
  const isSubcommand = sub !== undefined && ['list', 'init', 'bench', 'typecheck'].includes(sub)
  if (isSubcommand && !PROFILED_SUBCOMMANDS.has(sub!)) return delegate(argv)
  const vitestNode = await import('vitest/node')
  const { createVitest, parseCLI, registerConsoleShortcuts } = vitestNode
  // vitest's own checks of its command line, which parseCLI skips: `vitest-profile run --bogus` fails as
  // `vitest run --bogus` does (exit 1), in one line.
  const createCLI = await loadCreateCLI(vitestNode as { createCLI?: unknown })
  const problem = createCLI && checkVitestArgv(createCLI, argv)
  if (problem) return fail(`vitest-profile: ${problem} (vitest's own flags and ours: vitest-profile --help)`)
  // Seen by a plugin in the user's config while vitest resolves it (its options then apply), and taken back out
  // before any pool starts: vitest copies this process's env into every test's process.env.
  const setProfileEnv = process.env[PROFILE_ENV] === undefined
  if (setProfileEnv) process.env[PROFILE_ENV] = '1'
  const { filter, options } = parseCLI(['vitest', ...argv])
  const rawFilters = filter.map(String)
  // What vitest's CLI start() and prepareVitest do before createVitest.
  normalizeCliOptions(rawFilters, options as Parameters<typeof normalizeCliOptions>[1])
  const filters = rawFilters.map(normalizeFilter)
  process.env.TEST = 'true'
  process.env.VITEST = 'true'
  process.env.NODE_ENV ??= 'test'
  let ctx: VitestCtx
  try {
    // Vite's watcher kept out of our output dir (a plugin in the config does the same for its own outputDir).
    const outputDir = resolveOptions(withCliOptions(undefined)).outputDir
    ctx = (await createVitest('test', options, { plugins: [watchIgnorePlugin(outputDir)] })) as unknown as VitestCtx
  } catch (e) {
    // A wrong option of ours in the config: its message says it all (vite has said which config failed).
    if ((e as Error)?.name === 'ProfilerOptionsError') console.error((e as Error).message)
    else console.error('\nvitest-profile: startup error\n', e)
    process.exitCode ??= 1
    process.exit()
  }
  if (setProfileEnv) delete process.env[PROFILE_ENV]
  const holder = ctx as unknown as Record<symbol, unknown>
  // `profiler({ enabled: false })` in the config wins over the bin, as the README says (issue #10.12).
  if ((globalThis as Record<symbol, unknown>)[DISABLED_BY_CONFIG]) {
    process.stderr.write('vitest-profile: profiling is off: the config has profiler({ enabled: false })\n')
  } else if (!holder[SESSION]) {
    holder[SESSION] = ProfileSession.attach(ctx as never, resolveOptions(withCliOptions(undefined)), true)
  }
  // From here on vitest's startVitest (v4.1 and v5.1): the keyboard in watch mode (q quits, h helps, ...).
  const stdinCleanup = process.stdin.isTTY && ctx.config.watch ? registerConsoleShortcuts(ctx as never, process.stdin, process.stdout) : undefined
  // A config change in watch mode re-creates the server: start again, as startVitest does.
  ctx.onAfterSetServer(() => {
    if (ctx.closingPromise) return
    const again = ctx.config.standalone ? (ctx.standalone ?? ctx.init)!.call(ctx) : ctx.start(filters)
    again.catch((e) => reportStartError(ctx, e))
  })
  try {
    if (ctx.config.listTags && ctx.listTags) await ctx.listTags()
    else if (ctx.config.clearCache && (ctx.clearCache ?? ctx.experimental_clearCache)) await (ctx.clearCache ?? ctx.experimental_clearCache)!.call(ctx)
    else if (ctx.config.mergeReports) await ctx.mergeReports()
    else if (ctx.config.standalone) await (ctx.standalone ?? ctx.init)!.call(ctx)
    else {
      await ctx.start(filters)
      // --update-baseline --runs N: the suite N times, each a test run of its own (the gate keeps every run).
      for (let run = 2; run <= (flags.update ? (flags.runs ?? 1) : 1); run++) {
        await ctx.runTestSpecifications(await ctx.globTestSpecifications(filters), true)
      }
    }
  } catch (e) {
    reportStartError(ctx, e)
  } finally {
    if (!ctx.shouldKeepServer()) {
      stdinCleanup?.()
      const closing = performance.now()
      await ctx.close()
      debug('bin', `vitest closed in ${(performance.now() - closing).toFixed(0)} ms`)
    }
  }
  if (!ctx.shouldKeepServer()) await ctx.exit()
}

/** startVitest's error handling, by the errors' codes (their classes are not all exported on v4). */
function reportStartError(ctx: VitestCtx, e: unknown): void {
  const code = (e as { code?: string })?.code
  // The exit code is already the test run's.
  if (code === 'VITEST_FILES_NOT_FOUND') return
  // vitest 4 leaves the exit code alone for these; vitest 5 sets 1.
  if (Number(ctx.version.split('.')[0]) >= 5) process.exitCode = 1
  if (code === 'VITEST_GIT_NOT_FOUND' || code === 'VITEST_GIT_COMMAND_FAILED') return ctx.logger.error((e as Error).message)
  if (code === 'VITEST_INCLUDE_TASK_LOCATION_DISABLED' || code === 'VITEST_RANGE_LOCATION_FILTER_PROVIDED' || code === 'VITEST_LOCATION_FILTER_FILE_NOT_FOUND') {
    return ctx.logger.printError(e, { verbose: false })
  }
  process.exitCode = 1
  ctx.logger.printError(e, { fullStack: true, type: 'Unhandled Error' })
  ctx.logger.error('\n\n')
}

function ownVersion(): string {
  try {
    return (createRequire(import.meta.url)('../package.json') as { version: string }).version
  } catch {
    return 'unknown'
  }
}

function delegate(argv: string[]): void {
  const bin = path.join(vitestPackageDir(), 'vitest.mjs')
  const result = spawnSync(process.execPath, [bin, ...argv], { stdio: 'inherit' })
  process.exitCode = result.status ?? 1
}

main(process.argv.slice(2)).catch((e) => {
  console.error(e)
  process.exitCode ??= 1
})
