/**
 * Sampling started from inside a test thread of a budgets-only run (plugin in the config, profiling off): the
 * first test of this thread with a line or function budget creates the run on disk and loads the agent here,
 * through the run's bootstrap, exactly as a profiling run's execArgv would have. From then on this thread is
 * profiled, and so is what it starts: child processes through NODE_OPTIONS (propagation.ts), worker threads
 * through the `--require` that the Worker subclass adds to their execArgv when this process was not started
 * with it. The main process's budget reporter reads the run at its end (plugin/budget-reporter.ts).
 */
import { createRequire } from 'node:module'
import { materializeRun, type RunFiles } from '../spool/run-files.js'
import { AGENT_GLOBAL, agentSlot } from './global.js'
import type { AgentApi } from './preload.js'
import { debug } from './debug.js'

export function startSamplingHere(run: RunFiles): AgentApi | null {
  const existing = agentSlot()[Symbol.for(AGENT_GLOBAL)] as AgentApi | null | undefined
  if (existing) return existing
  try {
    materializeRun(run)
    // The bootstrap ends in the agent's start(); it sets the slot read below (null when it stayed inert).
    createRequire(run.bootstrapPath)(run.bootstrapPath)
  } catch (err) {
    debug('preload', `sampling not started for a line budget: ${String(err)}`)
  }
  return (agentSlot()[Symbol.for(AGENT_GLOBAL)] as AgentApi | null | undefined) ?? null
}
