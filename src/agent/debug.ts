/**
 * Debug output behind `DEBUG`, by scope, as the `debug` package reads it: `DEBUG=vitest-profiler:reporter` turns
 * on that scope alone, `vitest-profiler:*` (or `vitest-profiler*`, `*`) all of them; `-vitest-profiler:agent`
 * turns one off again. Synchronous, so it works in exit handlers and interrupts.
 *
 * Where it goes: the main process (plugin, reporter, bin) writes to its stderr. Inside a profiled thread the
 * agent writes to `<run>/debug.log` instead (setDebugFile): a test that spawns node and asserts on its stderr
 * must see the same stderr with DEBUG set (26 of 35 tests of one real suite failed when agents wrote there).
 */
import { appendFileSync, writeSync } from 'node:fs'
import { threadId } from 'node:worker_threads'

const patterns = (process.env.DEBUG ?? '').split(/[\s,]+/).filter(Boolean)
const cache = new Map<string, boolean>()
let file: string | null = null

function matches(name: string, pattern: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`)
  return re.test(name)
}

export function debugEnabled(scope: string): boolean {
  let on = cache.get(scope)
  if (on === undefined) {
    const name = `vitest-profiler:${scope}`
    on = false
    for (const p of patterns) {
      if (p.startsWith('-')) {
        if (matches(name, p.slice(1))) on = false
      } else if (matches(name, p) || matches('vitest-profiler', p)) on = true
    }
    cache.set(scope, on)
  }
  return on
}

/** Inside profiled threads: debug lines go to this file, never to the thread's own stdout or stderr. */
export function setDebugFile(path: string): void {
  file = path
}

export function debug(scope: string, message: string): void {
  if (!patterns.length || !debugEnabled(scope)) return
  const line = `vitest-profiler:${scope} [${process.pid}-${threadId}] ${message}\n`
  try {
    if (file) appendFileSync(file, line)
    else writeSync(2, line)
  } catch {}
}
