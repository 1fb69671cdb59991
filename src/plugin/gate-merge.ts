/**
 * `vitest-profile --merge-reports <dir>` over the gate's shard files (gate-shards.ts): one comparison, one
 * report and one exit code for all shards, or with `--update-baseline` one baseline from all of them. Runs
 * without vitest (no config is loaded): the baseline is `--baseline <file>` or the default file in the current
 * directory, the tolerance and floor the defaults (the shards judged their own tests with the config's).
 */
import * as path from 'node:path'
import { readBaselineFile, writeBaselineFile } from '../budgets/baseline-io.js'
import { baselineFromShards, mergeShards, readShards } from './gate-shards.js'
import { DEFAULT_BASELINE } from './gate-options.js'
import { publishGate } from './gate-output.js'
import type { GateFlags } from './gate-mode.js'

/** True if `dir` held our shard files (and the merge ran); false leaves the folder to vitest. */
export function mergeGateShards(dir: string, flags: GateFlags): boolean {
  const { shards, errors } = readShards(dir)
  if (shards.length === 0 && errors.length === 0) return false
  for (const e of errors) console.error(e)
  if (shards.length === 0) {
    process.exitCode = 1
    return true
  }
  const file = path.resolve(flags.baseline ?? DEFAULT_BASELINE.file)
  const shown = path.relative(process.cwd(), file) || file
  if (flags.update) {
    const baseline = baselineFromShards(shards, new Date())
    writeBaselineFile(file, baseline)
    console.log(`gate: baseline written from ${shards.length} shards: ${Object.keys(baseline.tests).length} tests, to ${shown} (commit it)`)
    return true
  }
  const read = readBaselineFile(file, shown)
  if ('missing' in read) {
    console.error(`vitest-profiler: baseline ${shown} does not exist; make it with vitest-profile --merge-reports ${dir} --update-baseline`)
    process.exitCode = 1
    return true
  }
  if ('error' in read) {
    console.error(read.error)
    process.exitCode = 1
    return true
  }
  const result = mergeShards(read.baseline, shards, { tolerance: DEFAULT_BASELINE.tolerance, floorMs: DEFAULT_BASELINE.floorMs, machine: shards[0]!.machine })
  publishGate(result, { root: process.cwd(), env: process.env, log: (t) => console.log(t), writeCommands: (t) => process.stdout.write(t) })
  return true
}
