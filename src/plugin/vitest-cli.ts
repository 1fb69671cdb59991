/**
 * The parts of vitest's own command line that `vitest-profile` runs itself, because it starts vitest through
 * `createVitest()` (bin.ts) and not through vitest's CLI: rejecting unknown flags (cac's checks, which run
 * only inside a command's action), and the `normalizeCliOptions` step of vitest's CLI `start()`.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
import { debug } from '../agent/debug.js'

/** cac's CLI object, as far as we use it (vitest bundles cac 6; v4 and v5 agree). */
interface CacCommand {
  checkUnknownOptions(): void
  checkOptionValue(): void
  checkRequiredArgs(): void
}
export interface CacLike {
  parse(argv: string[], opts: { run: boolean }): unknown
  matchedCommand?: CacCommand
}
type CreateCLI = () => CacLike

/** vitest's package folder, resolved from this bundle, as its `import('vitest/node')` resolves it. */
export function vitestPackageDir(): string {
  return path.dirname(createRequire(import.meta.url).resolve('vitest/package.json'))
}

/**
 * vitest's own `createCLI`: exported from `vitest/node` since vitest 5. vitest 4 exports only `parseCLI`, which
 * builds the same CLI but parses with `{ run: false }` and so never runs cac's unknown-option check (vitest 4's
 * `vitest run --bogus` fails inside the command's action). vitest 4's `dist/cli.js` (the `vitest` bin) imports
 * `createCLI` from a hashed chunk; we import that chunk the same way, so the check is vitest's own, with its
 * option list. Null if that layout changes (unknown flags are then let through, as before).
 */
export async function loadCreateCLI(vitestNode: { createCLI?: unknown }): Promise<CreateCLI | null> {
  if (typeof vitestNode.createCLI === 'function') return vitestNode.createCLI as CreateCLI
  try {
    const dist = path.join(vitestPackageDir(), 'dist')
    const source = fs.readFileSync(path.join(dist, 'cli.js'), 'utf8')
    const m = /import\s*\{\s*(\w+)\s+as\s+createCLI\s*\}\s*from\s*['"](\.\/chunks\/[^'"]+\.js)['"]/.exec(source)
    if (!m) throw new Error('no createCLI import in dist/cli.js')
    const chunk = (await import(pathToFileURL(path.join(dist, m[2]!)).href)) as Record<string, unknown>
    const fn = chunk[m[1]!]
    if (typeof fn !== 'function') throw new Error(`export ${m[1]} of ${m[2]} is not a function`)
    return fn as CreateCLI
  } catch (e) {
    debug('bin', `vitest's createCLI not found, unknown flags are not checked: ${(e as Error).message}`)
    return null
  }
}

/**
 * The checks cac runs before a command's action (`runMatchedCommand`): unknown options, missing option values,
 * missing arguments. Returns cac's message (`Unknown option \`--bogus\``), or null when the command line is good.
 */
export function checkVitestArgv(createCLI: CreateCLI, argv: string[]): string | null {
  try {
    const cli = createCLI()
    cli.parse(['node', 'vitest', ...argv], { run: false })
    const command = cli.matchedCommand
    command?.checkUnknownOptions()
    command?.checkOptionValue()
    command?.checkRequiredArgs()
    return null
  } catch (e) {
    if ((e as Error).name === 'CACError') return (e as Error).message
    throw e
  }
}

interface CliOptions {
  exclude?: string | string[]
  cliExclude?: string[]
  includeTaskLocation?: boolean
  typecheck?: { only?: boolean; enabled?: boolean }
  clearCache?: boolean
  listTags?: boolean
  watch?: boolean
  run?: boolean
  standalone?: boolean
}

/** vitest's `normalizeCliOptions` (cac chunk of v4.1 and v5.1, identical), applied by its CLI before startVitest. */
export function normalizeCliOptions<T extends CliOptions>(filters: string[], options: T): T {
  if (options.exclude) {
    options.cliExclude = Array.isArray(options.exclude) ? options.exclude : [options.exclude]
    delete options.exclude
  }
  if (filters.some((f) => f.includes(':'))) options.includeTaskLocation ??= true
  if (typeof options.typecheck?.only === 'boolean') options.typecheck.enabled ??= true
  if (options.clearCache || options.listTags) {
    options.watch = false
    options.run = true
  }
  // prepareVitest: `run` wins over watch, and a filter turns standalone off.
  if (options.run) options.watch = false
  if (options.standalone && filters.length > 0) options.standalone = false
  return options
}

/** The filters as vitest's CLI passes them on: pathe's `normalize` (forward slashes, `./a` → `a`, `a/../b` → `b`). */
export function normalizeFilter(filter: string): string {
  return path.posix.normalize(filter.replace(/\\/g, '/'))
}
