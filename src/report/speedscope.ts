/**
 * One speedscope file (https://www.speedscope.app/file-format-schema.json) holding a sampled profile per thread
 * per test (and per thread for each file's time outside tests). Weights are the samples' WALL microseconds, so
 * speedscope's time axis is real time: idle and blocked stretches show as `(idle)` or the waiting frame
 * (e.g. atomicsWaitLoop) instead of disappearing. Frames are source-mapped functions (speedscope has no
 * per-sample line, and V8 records none either).
 */
import type { Attribution, BucketResult } from '../attribution/pipeline.js'
import { frameId, rootFirstFrames, stackCache } from './frames.js'
import type { Renderer } from './renderer.js'
import { attemptOf, fullTestName } from '../attribution/windows.js'

interface SpeedscopeFrame {
  name: string
  file?: string
  line?: number
  col?: number
}

interface SampledProfile {
  type: 'sampled'
  name: string
  unit: 'microseconds'
  startValue: number
  endValue: number
  samples: number[][]
  weights: number[]
}

export const speedscopeRenderer: Renderer = {
  name: 'speedscope',
  render: ({ attribution }) => [{ path: 'profile.speedscope.json', content: JSON.stringify(speedscopeFile(attribution)) }],
}

export function speedscopeFile(a: Attribution) {
  const frames: SpeedscopeFrame[] = []
  const index = new Map<string, number>()
  const frameIndex = (f: ReturnType<typeof rootFirstFrames>[number]) => {
    const id = frameId(f)
    let i = index.get(id)
    if (i === undefined) {
      i = frames.length
      index.set(id, i)
      frames.push({ name: f.functionName, ...(f.file ? { file: f.file } : {}), ...(f.line !== null ? { line: f.line } : {}), ...(f.column !== null ? { col: f.column + 1 } : {}) })
    }
    return i
  }
  const profiles: SampledProfile[] = []
  const stackOf = stackCache(a, (frames) => frames.map(frameIndex))
  const add = (b: BucketResult, label: string) => {
    for (const t of b.threads) {
      if (!t.samples.length) continue
      const samples: number[][] = []
      const weights: number[] = []
      for (const s of t.samples) {
        samples.push(stackOf(s))
        weights.push(Math.max(0, Math.round(s.weight)))
      }
      const start = t.samples[0]!.ts
      const end = t.samples[t.samples.length - 1]!.ts + weights[weights.length - 1]!
      profiles.push({ type: 'sampled', name: `${label} · ${t.isMain ? 'main' : 'worker'} ${t.key}`, unit: 'microseconds', startValue: Math.round(start), endValue: Math.round(end), samples, weights })
    }
  }
  for (const b of a.tests) {
    if (b.ref.kind !== 'test') continue
    const w = b.ref.window.event
    const n = attemptOf(w)
    add(b, `${w.file} › ${fullTestName(w)}${n > 1 ? ` (attempt ${n})` : ''}`)
  }
  for (const b of a.outside) if (b.ref.kind === 'outside') add(b, `${b.ref.file ?? '(no file)'} (outside tests)`)
  for (const b of a.unattributed) add(b, 'unattributed')
  return {
    $schema: 'https://www.speedscope.app/file-format-schema.json',
    name: `vitest-profiler ${a.run.manifest.runId}`,
    exporter: 'vitest-profiler',
    activeProfileIndex: 0,
    shared: { frames },
    profiles,
  }
}
