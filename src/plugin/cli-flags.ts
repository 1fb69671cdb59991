/**
 * `vitest-profile`'s flags for the plugin's options: `--profiler.<option>` (`--profiler.interval 1000`,
 * `--profiler.outputDir=perf`, `--profiler.summary=false`, `--no-profiler.summary`; kebab-case names too).
 *
 * Why that spelling: it is the option's own name under the plugin's name (`profiler({ interval })`), in the
 * dotted form vitest's own CLI uses for nested options (`--coverage.enabled`), and vitest has no `profiler`
 * option, so no vitest flag starts with it (a flat `--interval` or `--outputDir` could collide with a future
 * vitest flag; vitest already has `--outputFile`). The flags are taken out of argv before vitest parses it
 * (vitest would reject them), validated like the options (options.ts), and handed to the plugin in the
 * user's config on globalThis (it runs in this same process), where they win over the config's options.
 */
import { DEFAULT_OPTIONS, SCALAR_OPTIONS, acceptedValues, checkOption, describeValue, type ProfilerOptions, type ScalarOption } from './options.js'

export const CLI_OPTIONS = Symbol.for('vitest-profiler.cli-options')

const PREFIX = '--profiler.'
const NEGATED = '--no-profiler.'

/** One line of help per flag. `enabled` has none: under `vitest-profile` profiling is on by definition. */
const HELP: Partial<Record<ScalarOption, string>> = {
  interval: 'sampling interval',
  outputDir: 'where runs and reports go, relative to the root',
  flushInterval: 'a thread writes its samples to disk at least this often',
  keepRuns: 'past runs kept in the output dir',
  summary: 'print the terminal report',
  topLines: 'hot lines per test in the terminal report',
  minSamples: 'below this many samples a figure is inconclusive',
  expandLibraries: 'list library code by file and line instead of by package',
  serializeConcurrent: 'run test.concurrent tests one at a time (exact attribution)',
}
const FLAG_OPTIONS = SCALAR_OPTIONS.filter((k) => k in HELP)
const isBoolean = (k: ScalarOption) => typeof DEFAULT_OPTIONS[k] === 'boolean'
const isNumber = (k: ScalarOption) => typeof DEFAULT_OPTIONS[k] === 'number'
const camel = (name: string) => name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())

export type CliOptions = Partial<Record<ScalarOption, unknown>>

/**
 * Takes our `--profiler.*` flags out of the bin's argv (up to a `--`, after which everything is the user's).
 * Returns the rest and the options, or an error naming the flag, the value and what the flag accepts.
 */
export function takeProfilerFlags(argv: string[]): { rest: string[]; options: CliOptions } | { error: string } {
  const rest: string[] = []
  const options: CliOptions = {}
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a === '--') {
      rest.push(...argv.slice(i))
      break
    }
    const negated = a.startsWith(NEGATED)
    if (!negated && !a.startsWith(PREFIX)) {
      rest.push(a)
      continue
    }
    const body = a.slice(negated ? NEGATED.length : PREFIX.length)
    const eq = body.indexOf('=')
    const key = camel(eq === -1 ? body : body.slice(0, eq)) as ScalarOption
    const inline = eq === -1 ? undefined : body.slice(eq + 1)
    if (!FLAG_OPTIONS.includes(key)) {
      return { error: `vitest-profile: unknown flag ${eq === -1 ? a : a.slice(0, a.indexOf('='))}. Accepted: ${FLAG_OPTIONS.map((k) => PREFIX + k).join(', ')} (see vitest-profile --help).` }
    }
    const flag = PREFIX + key
    let value: unknown
    if (isBoolean(key)) {
      if (negated && inline !== undefined) return { error: `vitest-profile: ${NEGATED}${key} takes no value, got ${describeValue(inline)}.` }
      const next = argv[i + 1]
      // `--profiler.summary false` as well as `=false`: a test filter named 'true' or 'false' is not a real one.
      const raw = negated ? 'false' : (inline ?? (next === 'true' || next === 'false' ? argv[++i] : 'true'))
      value = raw === 'true' ? true : raw === 'false' ? false : raw
    } else {
      if (negated) return { error: `vitest-profile: ${NEGATED}${key} is not a flag: ${flag} takes ${acceptedValues(key)}.` }
      const next = argv[i + 1]
      const raw = inline ?? (next !== undefined && !next.startsWith('--') ? argv[++i] : undefined)
      if (raw === undefined || raw === '') return { error: `vitest-profile: ${flag} takes a value: ${acceptedValues(key)}.` }
      value = isNumber(key) && raw.trim() !== '' && Number.isFinite(Number(raw)) ? Number(raw) : raw
    }
    const problem = checkOption(key, value)
    if (problem) return { error: `vitest-profile: ${flag} must be ${problem}, got ${describeValue(value)}.` }
    options[key] = value
  }
  return { rest, options }
}

/** The plugin's options with the bin's flags over them (the flags are already valid). */
export function withCliOptions(options: ProfilerOptions | undefined): unknown {
  const cli = (globalThis as Record<symbol, unknown>)[CLI_OPTIONS] as CliOptions | undefined
  if (!cli || Object.keys(cli).length === 0) return options
  if (options === undefined) return { ...cli }
  // A malformed options value keeps its own error (resolveOptions names it).
  return options !== null && typeof options === 'object' && !Array.isArray(options) ? { ...options, ...cli } : options
}

/** The section `vitest-profile --help` prints after vitest's own help. */
export function profilerHelp(): string {
  const rows: [string, string][] = FLAG_OPTIONS.map((k) => [
    `${PREFIX}${k}${isBoolean(k) ? '[=false]' : isNumber(k) ? ' <n>' : ' <path>'}`,
    `${HELP[k]}: ${acceptedValues(k)} (default: ${String(DEFAULT_OPTIONS[k])})`,
  ])
  const gate: [string, string][] = [
    ['--update-baseline', 'write the regression baseline from this run (commit it)'],
    ['--baseline <file>', 'compare with this baseline file (an error if it is missing)'],
    ['--runs <n>', 'with --update-baseline: runs of the suite kept per test, 1 to 50'],
    ['--gate-reruns <n>', 'breaching tests re-run before the gate fails, 0 to 20'],
    ['--merge-reports <dir>', "the gate's shard files (vitest's blob reports stay vitest's)"],
  ]
  const width = Math.max(...[...rows, ...gate].map(([f]) => f.length))
  const block = (r: [string, string][]) => r.map(([f, t]) => `  ${f.padEnd(width)}  ${t}`).join('\n')
  return (
    `vitest-profile's own flags (they override the plugin's options in the config; kebab-case names work too, ${NEGATED}<switch> turns a switch off):\n` +
    `${block(rows)}\n\nRegression gate:\n${block(gate)}\n`
  )
}
