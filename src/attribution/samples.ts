/**
 * Expands a thread's profile chunks into timed samples and classifies each one. Samples are wall-clock samples:
 * a thread blocked in Atomics.wait or a synchronous child-process wait keeps being sampled in the frame that
 * blocked, so those are classified as waiting and never count as work.
 */
import type { V8CallFrame, V8Profile, V8ProfileNode } from '../spool/format.js'
import type { ThreadRecord } from '../spool/reader.js'

export type SampleKind = 'work' | 'gc' | 'idle' | 'waiting' | 'artefact'

export interface Sample {
  /** Microseconds, same clock as windows. */
  ts: number
  /** Microseconds this sample stands for (time to the next sample; the last one gets the profile's median). */
  weight: number
  kind: SampleKind
  /** The leaf node, with its chunk's node table for walking up the stack. */
  node: V8ProfileNode
  chunk: ChunkNodes
}

export interface ChunkNodes {
  byId: Map<number, V8ProfileNode>
  parentOf: Map<number, number>
  /** Per node: its line histogram from positionTicks (1-based lines), or null when V8 recorded none. */
  profile: V8Profile
}

/** Function names of blocking waits in pool workers and synchronous child-process helpers. */
const WAIT_FUNCTIONS = new Set(['atomicsWaitLoop', 'spawnSync', 'execSync', 'execFileSync'])

export function expandSamples(thread: ThreadRecord): Sample[] {
  const out: Sample[] = []
  for (const { profile } of thread.chunks) {
    const chunk = indexChunk(profile)
    const samples = profile.samples ?? []
    const deltas = profile.timeDeltas ?? []
    if (!samples.length) continue
    const stamps: number[] = []
    let ts = profile.startTime
    for (let i = 0; i < samples.length; i++) stamps.push((ts += deltas[i]!))
    const median = medianDelta(deltas)
    for (let i = 0; i < samples.length; i++) {
      const node = chunk.byId.get(samples[i]!)
      if (!node) continue
      const next = i + 1 < samples.length ? stamps[i + 1]! - stamps[i]! : Math.min(median, Math.max(0, profile.endTime - stamps[i]!))
      out.push({ ts: stamps[i]!, weight: Math.max(0, next), kind: classify(node, chunk), node, chunk })
    }
  }
  return out
}

export function indexChunk(profile: V8Profile): ChunkNodes {
  const byId = new Map<number, V8ProfileNode>()
  const parentOf = new Map<number, number>()
  for (const n of profile.nodes) {
    byId.set(n.id, n)
    for (const c of n.children ?? []) parentOf.set(c, n.id)
  }
  return { byId, parentOf, profile }
}

export function stackOf(node: V8ProfileNode, chunk: ChunkNodes): V8CallFrame[] {
  const frames: V8CallFrame[] = []
  for (let id: number | undefined = node.id; id !== undefined; id = chunk.parentOf.get(id)) {
    const n = chunk.byId.get(id)
    if (!n || n.callFrame.functionName === '(root)') break
    frames.push(n.callFrame)
  }
  return frames
}

export function classify(node: V8ProfileNode, chunk: ChunkNodes): SampleKind {
  const name = node.callFrame.functionName
  if (name === '(idle)') return 'idle'
  if (name === '(garbage collector)') return 'gc'
  if (name === '(root)') return 'artefact'
  for (const frame of stackOf(node, chunk)) {
    if (WAIT_FUNCTIONS.has(frame.functionName)) return 'waiting'
    if (frame.functionName === 'wait' && frame.url === '' ) return 'waiting'
  }
  return 'work'
}

function medianDelta(deltas: number[]): number {
  if (!deltas.length) return 0
  const sorted = deltas.slice(1).sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? deltas[0]!
}
