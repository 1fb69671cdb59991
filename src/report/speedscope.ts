/**
 * One speedscope file (https://www.speedscope.app/file-format-schema.json) holding, per thread per test (and per
 * thread for each file's time outside tests), two sampled profiles:
 * - function level: each frame a source-mapped function, with the file, line and column of its declaration;
 * - line level (`… · lines`): the same samples, with the leaf function replaced by a line it ran,
 *   `fn file:line`. V8 records no line per sample, only a histogram per profile node and chunk (positionTicks),
 *   so a node's samples in a profile are dealt out to its lines in proportion to that histogram (each sample
 *   to the line furthest behind its share): each line's total is its share of the node's time, as in the
 *   report's line figures, but which of the node's samples ran which line is not known. Splitting every
 *   sample over all of its lines instead made this profile 6 times the size of the function-level one.
 * Weights are the samples' WALL microseconds, so speedscope's time axis is real time: idle and blocked stretches
 * show as `(idle)` or the waiting frame (e.g. atomicsWaitLoop) instead of disappearing. The profiler's own work
 * is one `(profiler overhead)` frame, and its wrappers are left out of the users' stacks (frames.ts shownStack).
 */
import type { Attribution, BucketResult } from '../attribution/pipeline.js'
import type { V8ProfileNode } from '../spool/format.js'
import type { Sample } from '../attribution/samples.js'
import { PROFILER_OVERHEAD, byStack, frameId, shownStack } from './frames.js'
import type { Frame } from '../attribution/locations.js'
import type { Renderer } from './renderer.js'
import { attemptOf, fullTestName } from '../attribution/windows.js'
import { threadScript } from '../attribution/threads.js'

export interface SpeedscopeFrame {
  name: string
  file?: string
  /** 1-based. */
  line?: number
  /** 1-based. */
  col?: number
}

export interface SampledProfile {
  type: 'sampled'
  name: string
  unit: 'microseconds'
  startValue: number
  endValue: number
  samples: number[][]
  weights: number[]
}

export interface SpeedscopeFile {
  $schema: 'https://www.speedscope.app/file-format-schema.json'
  name: string
  exporter: string
  activeProfileIndex: number
  shared: { frames: SpeedscopeFrame[] }
  profiles: SampledProfile[]
}

/** Suffix of a line-level profile's name. */
export const LINES_SUFFIX = ' · lines'

export const speedscopeRenderer: Renderer = {
  name: 'speedscope',
  render: ({ attribution }) => [{ path: 'profile.speedscope.json', content: JSON.stringify(speedscopeFile(attribution)) }],
}

/** The shared frame table: each distinct frame once, by what identifies it. */
class FrameTable {
  readonly frames: SpeedscopeFrame[] = []
  private readonly index = new Map<string, number>()

  private add(id: string, make: () => SpeedscopeFrame): number {
    let i = this.index.get(id)
    if (i === undefined) {
      i = this.frames.length
      this.index.set(id, i)
      this.frames.push(make())
    }
    return i
  }

  fn(f: Frame): number {
    return this.add(`f\u0000${frameId(f)}`, () => ({ name: f.functionName, ...(f.file ? { file: f.file } : {}), ...(f.line !== null ? { line: f.line } : {}), ...(f.column !== null ? { col: f.column + 1 } : {}) }))
  }

  line(functionName: string, file: string, line: number): number {
    return this.add(`l\u0000${functionName}\u0000${file}\u0000${line}`, () => ({ name: `${functionName} ${file}:${line}`, file, line }))
  }

  overhead(): number {
    return this.add('overhead', () => ({ name: PROFILER_OVERHEAD }))
  }
}

/** A line of a node, as a stack, and its share of the node's samples. */
interface LinePart {
  stack: number[]
  fraction: number
}

/** A node's lines and the weight dealt to each so far, in one profile. */
export interface Deal {
  parts: LinePart[]
  given: number[]
  total: number
}

/** The stack of the line that gets a sample of weight `w`: the one furthest behind its share. */
export function deal(d: Deal, w: number): number[] {
  if (d.parts.length === 1) return d.parts[0]!.stack
  d.total += w
  let best = 0
  let bestDeficit = -Infinity
  d.parts.forEach((p, i) => {
    const deficit = p.fraction * d.total - d.given[i]!
    if (deficit > bestDeficit) {
      bestDeficit = deficit
      best = i
    }
  })
  d.given[best]! += w
  return d.parts[best]!.stack
}

export function speedscopeFile(a: Attribution): SpeedscopeFile {
  const table = new FrameTable()
  const shown = byStack((s) => shownStack(a, s))
  const stackOf = byStack((s) => {
    const st = shown(s)
    const stack = st.frames.map((f) => table.fn(f))
    if (st.overhead) stack.push(table.overhead())
    return stack
  })
  // Per V8 node: the lines are its chunk's histogram, the same for all of its samples.
  const linesOf = new Map<V8ProfileNode, LinePart[]>()
  const linePartsOf = (s: Sample): LinePart[] => {
    let parts = linesOf.get(s.node)
    if (parts) return parts
    const st = shown(s)
    const stack = stackOf(s)
    parts = [{ stack, fraction: 1 }]
    if (st.ownLeaf) {
      const leaf = st.frames[st.frames.length - 1]!
      const byLeaf = new Map<number, number>()
      for (const l of a.locator.locate(s.node, s.chunk.code).selfLines) {
        // 'function' / 'none': no line of its own (the map cannot split it, or V8 gave none): the function itself.
        const at = l.level === 'line' && l.line !== null ? table.line(l.inlined?.functionName ?? leaf.functionName, l.file, l.line) : stack[stack.length - 1]!
        byLeaf.set(at, (byLeaf.get(at) ?? 0) + l.fraction)
      }
      const parents = stack.slice(0, -1)
      parts = [...byLeaf].map(([at, fraction]) => ({ stack: [...parents, at], fraction }))
    }
    linesOf.set(s.node, parts)
    return parts
  }
  const profiles: SampledProfile[] = []
  const add = (b: BucketResult, label: string) => {
    for (const t of b.threads) {
      if (!t.samples.length) continue
      const samples: number[][] = []
      const weights: number[] = []
      const lineSamples: number[][] = []
      const deals = new Map<V8ProfileNode, Deal>()
      for (const s of t.samples) {
        const w = Math.max(0, Math.round(s.weight))
        samples.push(stackOf(s))
        weights.push(w)
        let d = deals.get(s.node)
        if (!d) {
          const parts = linePartsOf(s)
          deals.set(s.node, (d = { parts, given: parts.map(() => 0), total: 0 }))
        }
        lineSamples.push(deal(d, w))
      }
      const start = Math.round(t.samples[0]!.ts)
      const end = Math.round(t.samples[t.samples.length - 1]!.ts + weights[weights.length - 1]!)
      // The thread's role and, for any other than the test's own, what it ran (a worker's name or script).
      const node = a.tree.nodes.get(t.key)
      const title = !t.isMain && node ? threadScript(node.record).title : ''
      const name = `${label} · ${t.isMain ? 'main' : (node?.kind ?? 'worker')} ${t.key}${title ? ` ${title}` : ''}`
      profiles.push({ type: 'sampled', name, unit: 'microseconds', startValue: start, endValue: end, samples, weights })
      profiles.push({ type: 'sampled', name: name + LINES_SUFFIX, unit: 'microseconds', startValue: start, endValue: end, samples: lineSamples, weights })
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
    shared: { frames: table.frames },
    profiles,
  }
}
