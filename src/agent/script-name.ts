/**
 * What a thread or process runs, as its start event records it (`entry`, `title`): the report's only way to tell
 * apart threads that ran different scripts. Pure, so that unit tests can call it with made-up arguments.
 *
 * A worker cannot learn its own script at the agent's start: Node appends the filename to a worker's
 * `process.argv` only after the `--require` preloads have run (measured on Node 20 and 24: `[execPath]` in the
 * preload, `[execPath, file]` in the script), and an `eval` or `data:` worker never gets it. Its creator knows
 * what it passed to `new Worker()`, and hands the description over (propagation.ts).
 */
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'

export interface ScriptName {
  /** The script: an absolute path, `eval: <its first line>`, or a `data:` URL (code cut to a short line). */
  entry: string
  /** A short label for humans: a worker's `name`, else what the entry is in a few characters. */
  title: string
}

/** Code is shown this long at most (an eval's first line, a data: URL). */
const MAX_CODE = 60

/** The first non-blank line of `code`, whitespace collapsed, cut to MAX_CODE characters ('…' when anything is left out). */
export function shortCode(code: string): string {
  const lines = code.split(/\r?\n/)
  const first = lines.findIndex((l) => l.trim() !== '')
  if (first < 0) return ''
  const line = lines[first]!.trim().replace(/\s+/g, ' ')
  const more = lines.slice(first + 1).some((l) => l.trim() !== '')
  if (line.length > MAX_CODE) return `${line.slice(0, MAX_CODE - 1)}…`
  return more ? `${line} …` : line
}

/** A `data:` URL shortened: its media type kept, its payload decoded (when it is percent-encoded) and cut. */
function shortDataUrl(href: string): string {
  const comma = href.indexOf(',')
  if (comma < 0) return shortCode(href)
  const head = href.slice(0, comma + 1)
  let body = href.slice(comma + 1)
  if (!head.includes(';base64')) {
    try {
      body = decodeURIComponent(body)
    } catch {}
  }
  return `${head}${shortCode(body)}`
}

/**
 * The description of `new Worker(filename, options)`, as its creator sees it. Never throws: it runs before the
 * real constructor, which is the one to reject bad arguments.
 */
export function workerScript(filename: unknown, options: { eval?: unknown; name?: unknown } | undefined, cwd: string): ScriptName {
  const named = typeof options?.name === 'string' && options.name !== '' ? options.name : null
  let entry = ''
  let label = ''
  try {
    if (options?.eval === true && typeof filename === 'string') {
      entry = `eval: ${shortCode(filename)}`
      label = '[worker eval]'
    } else {
      // A URL made in another realm (a vm context) is no `instanceof URL` here: its href tells.
      const href = typeof filename === 'object' && filename !== null && typeof (filename as URL).href === 'string' ? (filename as URL).href : null
      if (href?.startsWith('data:')) {
        entry = shortDataUrl(href)
        label = 'data: URL'
      } else if (href?.startsWith('file:')) {
        entry = fileURLToPath(href)
      } else if (href !== null) {
        entry = href
      } else if (typeof filename === 'string') {
        // Node resolves a relative worker path against the current directory.
        entry = path.isAbsolute(filename) ? filename : path.resolve(cwd, filename)
      }
      if (!label && entry) label = path.basename(entry)
    }
  } catch {}
  return { entry, title: named ?? label }
}

/** The value of `-e`/`--eval`/`-p`/`--print` in a process's execArgv, if any. */
function evalCode(execArgv: readonly string[]): string | null {
  for (let i = 0; i < execArgv.length; i++) {
    const a = execArgv[i]!
    if (a === '-e' || a === '--eval' || a === '-p' || a === '--print') return execArgv[i + 1] ?? ''
    const m = /^--(?:eval|print)=([\s\S]*)$/.exec(a)
    if (m) return m[1]!
  }
  return null
}

/**
 * A process's script: `argv[1]` (Node has made it absolute before the preloads run), else the code of `node -e`,
 * else nothing (a REPL, stdin). Title: the program and the script's file name, as `ps` would show it.
 */
export function processScript(argv: readonly string[], execArgv: readonly string[], argv0: string): ScriptName {
  const program = path.basename(argv0 || argv[0] || 'node')
  const script = argv[1]
  if (script) return { entry: script, title: `${program} ${path.basename(script)}` }
  const code = evalCode(execArgv)
  if (code !== null) return { entry: `eval: ${shortCode(code)}`, title: `${program} [eval]` }
  return { entry: '', title: program }
}
