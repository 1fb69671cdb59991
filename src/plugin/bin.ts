/**
 * `vitest-profile [any vitest args]`: vitest with profiling on, no config change needed.
 *
 * Built on createVitest() rather than startVitest(..., { plugins }): an injected plugin's configureVitest never
 * runs for `test.projects` on vitest 4 (and skips file-based projects on 5), while instrumenting every
 * `ctx.projects[i].config` after createVitest works on both (PLATFORM-FACTS.md). The run/exit sequence below
 * mirrors vitest's own `startVitest` + CLI `start()`, so exit codes are vitest's.
 * Subcommands that run no tests (list, init, bench, --help, --version) go to vitest's own CLI unchanged.
 */
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { DISABLED_BY_CONFIG, PROFILE_ENV } from './activation.js'
import { resolveOptions } from './options.js'
import { ProfileSession } from './session.js'
import { debug } from '../agent/debug.js'
import { GATE_FLAGS, takeGateFlags, type GateFlags } from './gate-mode.js'
import { mergeGateShards } from './gate-merge.js'

const SESSION = Symbol.for('vitest-profiler.session')
const PROFILED_SUBCOMMANDS = new Set(['run', 'watch', 'dev', 'related'])
const PASSTHROUGH_FLAGS = new Set(['-h', '--help', '-v', '--version'])

async function main(rawArgv: string[]): Promise<void> {
  // The regression gate's flags are ours: vitest would reject them (gate-mode.ts).
  const taken = takeGateFlags(rawArgv)
  if ('error' in taken) {
    console.error(taken.error)
    process.exitCode = 1
    return
  }
  const argv = taken.rest
  const flags: GateFlags = taken.flags
  ;(globalThis as Record<symbol, unknown>)[GATE_FLAGS] = flags
  // `--merge-reports <dir>` holding the gate's shard files: our merge; vitest's blob reports stay vitest's.
  const merge = argv.findIndex((a) => a === '--merge-reports' || a.startsWith('--merge-reports='))
  if (merge !== -1) {
    const dir = argv[merge]!.includes('=') ? argv[merge]!.split('=')[1] : argv[merge + 1]
    if (dir && !dir.startsWith('-') && mergeGateShards(dir, flags)) return
  }
  const sub = argv[0]
  const isSubcommand = sub !== undefined && !sub.startsWith('-') && /^[a-z]+$/.test(sub) && ['list', 'init', 'bench', 'typecheck'].includes(sub)
  if ((isSubcommand && !PROFILED_SUBCOMMANDS.has(sub!)) || argv.some((a) => PASSTHROUGH_FLAGS.has(a))) {
    return delegate(argv)
  }
  // Seen by a plugin in the user's config while vitest resolves it (its options then apply), and taken back out
  // before any pool starts: vitest copies this process's env into every test's process.env.
  const setProfileEnv = process.env[PROFILE_ENV] === undefined
  if (setProfileEnv) process.env[PROFILE_ENV] = '1'
  const vitestNode = await import('vitest/node')
  const { createVitest, parseCLI } = vitestNode
  rejectUnknownFlags(vitestNode as unknown as { createCLI?: () => CacLike }, argv)
  const { filter, options } = parseCLI(['vitest', ...argv])
  // What vitest's prepareVitest does before createVitest.
  process.env.TEST = 'true'
  process.env.VITEST = 'true'
  process.env.NODE_ENV ??= 'test'
  if (options.run) options.watch = false
  let ctx: Awaited<ReturnType<typeof createVitest>>
  try {
    ctx = await createVitest('test', options)
  } catch (e) {
    console.error('\nvitest-profile: startup error\n', e)
    process.exitCode ??= 1
    process.exit()
  }
  if (setProfileEnv) delete process.env[PROFILE_ENV]
  const holder = ctx as unknown as Record<symbol, unknown>
  // `profiler({ enabled: false })` in the config wins over the bin, as the README says (issue #10.12).
  if ((globalThis as Record<symbol, unknown>)[DISABLED_BY_CONFIG]) {
    process.stderr.write('vitest-profile: profiling is off: the config has profiler({ enabled: false })\n')
  } else if (!holder[SESSION]) holder[SESSION] = ProfileSession.attach(ctx as never, resolveOptions(undefined), true)
  const filters = filter.map(String)
  // A config change in watch mode re-creates the server: start again, as startVitest does.
  ;(ctx as unknown as { onAfterSetServer(fn: () => void): void }).onAfterSetServer(() => {
    if (ctx.config.standalone) void ctx.init()
    else void ctx.start(filters)
  })
  try {
    if (ctx.config.mergeReports) await ctx.mergeReports()
    else if (ctx.config.standalone) await ctx.init()
    else {
      await ctx.start(filters)
      // --update-baseline --runs N: the suite N times, each a test run of its own (the gate keeps every run).
      for (let run = 2; run <= (flags.update ? (flags.runs ?? 1) : 1); run++) {
        await ctx.runTestSpecifications(await ctx.globTestSpecifications(filters), true)
      }
    }
  } catch (e) {
    if ((e as { code?: string }).code !== 'VITEST_FILES_NOT_FOUND') {
      process.exitCode = 1
      ctx.logger.printError(e, { fullStack: true, type: 'Unhandled Error' })
      ctx.logger.error('\n\n')
    }
  } finally {
    const closing = performance.now()
    if (!ctx.shouldKeepServer()) await ctx.close()
    debug('bin', `vitest closed in ${(performance.now() - closing).toFixed(0)} ms`)
  }
  if (!ctx.shouldKeepServer()) await ctx.exit()
}

interface CacLike {
  parse(argv: string[], opts: { run: boolean }): unknown
  matchedCommand?: { checkUnknownOptions?(): void }
}

/**
 * vitest's CLI rejects an unknown flag (exit 1) inside its own command action, which `parseCLI` never runs.
 * vitest 5 exports `createCLI`, whose command can run that check; vitest 4 does not (the flag is then ignored,
 * a documented limitation).
 */
function rejectUnknownFlags(vitestNode: { createCLI?: () => CacLike }, argv: string[]): void {
  if (typeof vitestNode.createCLI !== 'function') return
  try {
    const cli = vitestNode.createCLI()
    cli.parse(['node', 'vitest', ...argv], { run: false })
    cli.matchedCommand?.checkUnknownOptions?.()
  } catch (e) {
    if ((e as Error).name !== 'CACError') return
    console.error(`vitest-profile: ${(e as Error).message} (rejected by vitest's own command line)`)
    process.exit(1)
  }
}

function delegate(argv: string[]): void {
  const require = createRequire(import.meta.url)
  const pkg = require.resolve('vitest/package.json')
  const bin = pkg.replace(/package\.json$/, 'vitest.mjs')
  const result = spawnSync(process.execPath, [bin, ...argv], { stdio: 'inherit' })
  process.exitCode = result.status ?? 1
}

main(process.argv.slice(2)).catch((e) => {
  console.error(e)
  process.exitCode ??= 1
})
