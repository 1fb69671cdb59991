/**
 * Whether a run profiles. A plugin cannot add a CLI flag (vitest's parser rejects `--profile` before any config
 * loads), so these are the spellings vitest already lets through (PLATFORM-FACTS.md).
 */
export const PROFILE_ENV = 'VITEST_PROFILE'
export const PROFILE_MODE = 'profile'
/** Set on globalThis by a plugin whose options say `enabled: false`: the bin then leaves the run alone. */
export const DISABLED_BY_CONFIG = Symbol.for('vitest-profiler.disabled-by-config')

export interface ActivationInput {
  enabled: boolean | 'auto'
  /** Vite mode (`vitest --mode profile`). */
  mode: string | undefined
  argv: readonly string[]
  env: NodeJS.ProcessEnv
}

export function isProfilingOn({ enabled, mode, argv, env }: ActivationInput): boolean {
  if (enabled !== 'auto') return enabled
  if (mode === PROFILE_MODE) return true
  // `vitest run -- --profile`: only after the `--` separator, so a test filter named --profile is not taken.
  const dashDash = argv.indexOf('--')
  if (dashDash !== -1 && argv.slice(dashDash + 1).includes('--profile')) return true
  const flag = env[PROFILE_ENV]
  return flag !== undefined && flag !== '' && flag !== '0' && flag.toLowerCase() !== 'false'
}
