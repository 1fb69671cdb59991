/**
 * Which thread created this one. Worker threads get a copy of their parent thread's `process.env` and child
 * processes inherit the creating thread's env, so each agent reads its ancestors from one variable and then
 * writes its own chain there for its children. (Exceptions: `new Worker(f, { env: SHARE_ENV })` shares one env
 * object, and tinypool's child_process runtime replaces the env; for those the parent's own `spawn` event, with
 * the child's threadId or pid, is the fallback that the reader joins on.)
 */
import type { ThreadKey } from '../spool/format.js'

export const LINEAGE_ENV = 'VITEST_PROFILER_LINEAGE'

/** Ancestors of this thread, oldest first, as the creating thread left them. */
export function readAncestors(): ThreadKey[] {
  const raw = process.env[LINEAGE_ENV]
  if (!raw) return []
  return raw.split(',').filter((k) => /^\d+-\d+$/.test(k))
}

export function publishLineage(ancestors: ThreadKey[], self: ThreadKey): void {
  // Keep the chain short: nesting deeper than this is not something a test suite does.
  process.env[LINEAGE_ENV] = [...ancestors, self].slice(-16).join(',')
}
