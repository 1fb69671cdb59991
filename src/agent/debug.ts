/** Debug output, only with `DEBUG=vitest-profiler*` (or `DEBUG=*`). Written synchronously to stderr. */
import { writeSync } from 'node:fs'
import { threadId } from 'node:worker_threads'

const pattern = process.env.DEBUG ?? ''
export const debugEnabled = pattern.split(/[\s,]+/).some((p) => p === '*' || p.startsWith('vitest-profiler'))

export function debug(scope: string, message: string): void {
  if (!debugEnabled) return
  try {
    writeSync(2, `vitest-profiler:${scope} [${process.pid}-${threadId}] ${message}\n`)
  } catch {}
}
