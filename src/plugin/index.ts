/**
 * The Vitest plugin. `configureVitest` runs in the main process: it decides whether this run profiles, creates
 * the run directory, instruments every project (inject.ts) and adds the reporter that reads the run back.
 */
import type { Plugin } from 'vite'
import { resolveOptions, type ProfilerOptions, type ResolvedOptions } from './options.js'
import { isProfilingOn } from './activation.js'
import { ProfileSession } from './session.js'

export type { ProfilerOptions } from './options.js'

interface VitestLike {
  version: string
  config: { root: string; reporters: unknown[]; watch?: boolean }
  projects: { config: unknown }[]
  logger: { log(...args: unknown[]): void; error(...args: unknown[]): void }
}

const SESSION = Symbol.for('vitest-profiler.session')

export default function profiler(options?: ProfilerOptions): Plugin {
  const resolved: ResolvedOptions = resolveOptions(options)
  let mode: string | undefined
  return {
    name: 'vitest-profiler',
    configResolved(config) {
      mode = config.mode
    },
    // @ts-expect-error: configureVitest is vitest's hook, unknown to vite's Plugin type.
    configureVitest({ vitest }: { vitest: VitestLike }) {
      const holder = vitest as unknown as Record<symbol, ProfileSession | undefined>
      if (holder[SESSION]) return
      const on = isProfilingOn({ enabled: resolved.enabled, mode, argv: process.argv, env: process.env })
      if (!on) return
      holder[SESSION] = ProfileSession.attach(vitest, resolved)
    },
  }
}

export { ProfileSession }
