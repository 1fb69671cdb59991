/**
 * The key under which each thread's agent API hangs on `process` (not globalThis: vitest's vm pools run the
 * setup file in another context whose globalThis differs, while `process` is the same object everywhere).
 */
export const AGENT_GLOBAL = 'vitest-profiler.agent'

export function agentSlot(): Record<symbol, unknown> {
  return process as unknown as Record<symbol, unknown>
}
