/**
 * Sharded runs (`--shard=i/n`): each shard writes its figures, and its own verdicts (re-runs included), to
 * `<outputDir>/gate/shard-<i>-of-<n>.json`; `vitest-profile --merge-reports <dir>` combines the shards into one
 * comparison and one exit code, as vitest's own `--merge-reports` does for its blob reports. A test of another
 * shard is not "gone" from a shard: gone is decided on the union, at the merge.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { buildBaseline, type Machine, type TestFigures } from '../budgets/baseline.js'
import { compare, finish, type GateResult, type GateOptions } from '../budgets/gate.js'
import type { Baseline } from '../budgets/baseline.js'
import { mergeCalibrations, type Calibration } from '../budgets/calibration.js'

export const SHARD_SCHEMA = 'vitest-profiler/gate-shard'

export interface ShardFile {
  schema: typeof SHARD_SCHEMA
  version: 1
  index: number
  count: number
  machine: Machine
  /** This shard's figures, one per test that passed. */
  figures: TestFigures[]
  /** Its verdicts against the baseline, re-runs applied ('gone' left to the merge); null when updating. */
  result: GateResult | null
  /** Updating: the calibration probe's figures around this shard's run (absent in older shard files). */
  calibration?: Calibration | null
}

export function shardFileName(index: number, count: number): string {
  return `shard-${index}-of-${count}.json`
}

export function writeShard(dir: string, shard: ShardFile): string {
  fs.mkdirSync(dir, { recursive: true })
  const file = path.join(dir, shardFileName(shard.index, shard.count))
  fs.writeFileSync(file, `${JSON.stringify(shard, null, 2)}\n`)
  return file
}

/** The shard files in a folder ([] if none: the folder is vitest's, not ours). */
export function readShards(dir: string): { shards: ShardFile[]; errors: string[] } {
  const shards: ShardFile[] = []
  const errors: string[] = []
  let names: string[] = []
  try {
    names = fs.readdirSync(dir).filter((f) => /^shard-\d+-of-\d+\.json$/.test(f)).sort()
  } catch {
    return { shards, errors }
  }
  for (const name of names) {
    try {
      const s = JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')) as ShardFile
      if (s.schema !== SHARD_SCHEMA || s.version !== 1 || !Array.isArray(s.figures)) throw new Error(`not a ${SHARD_SCHEMA} version 1 file`)
      shards.push(s)
    } catch (err) {
      errors.push(`vitest-profiler: shard ${path.join(dir, name)}: ${(err as Error).message}`)
    }
  }
  const counts = new Set(shards.map((s) => s.count))
  if (counts.size > 1) errors.push(`vitest-profiler: the shards in ${dir} come from different splits (${[...counts].map((c) => `of ${c}`).join(', ')})`)
  const have = new Set(shards.map((s) => s.index))
  const count = shards[0]?.count ?? 0
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !have.has(i))
  if (missing.length) errors.push(`vitest-profiler: shard${missing.length > 1 ? 's' : ''} ${missing.join(', ')} of ${count} missing in ${dir}: their tests are reported as gone`)
  return { shards, errors }
}

/** One comparison from the shards: their verdicts (re-runs included), gone decided on the union. */
export function mergeShards(baseline: Baseline, shards: readonly ShardFile[], options: Partial<GateOptions>): GateResult {
  const figures = shards.flatMap((s) => s.figures)
  const merged = compare(baseline, figures, options)
  const judged = new Map(shards.flatMap((s) => s.result?.tests ?? []).filter((t) => t.status !== 'gone').map((t) => [t.key, t]))
  const tests = merged.tests.map((t) => judged.get(t.key) ?? t)
  const reruns = shards.map((s) => s.result?.rerun).filter((r): r is NonNullable<GateResult['rerun']> => r !== null && r !== undefined)
  const rerun = reruns.length ? { times: Math.max(...reruns.map((r) => r.times)), keys: reruns.flatMap((r) => r.keys) } : null
  const { counts: _c, exitCode: _e, ...rest } = merged
  // Each shard judged its tests under its own load: the merged output tells the most loaded shard's.
  const loads = shards.map((s) => s.result?.calibration).filter((c): c is NonNullable<GateResult['calibration']> => !!c)
  const slowest = (c: NonNullable<GateResult['calibration']>) => Math.max(c.run.arithmetic ?? 0, c.run.memory ?? 0)
  const calibration = loads.length ? loads.reduce((a, b) => (slowest(b) > slowest(a) ? b : a)) : null
  return finish({ ...rest, tests, rerun, calibration })
}

/** A baseline from the shards' figures (`--merge-reports <dir> --update-baseline`), their probes pooled. */
export function baselineFromShards(shards: readonly ShardFile[], created: Date): Baseline {
  return buildBaseline([shards.flatMap((s) => s.figures)], shards[0]!.machine, created, mergeCalibrations(shards.map((s) => s.calibration)))
}
