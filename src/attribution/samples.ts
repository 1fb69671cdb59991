/**
 * Stage 2: a thread's profile chunks → timed, classified samples.
 *
 * V8's samples are WALL-clock samples: a thread blocked in Atomics.wait, in a synchronous child-process wait or
 * in the event loop keeps being sampled. So every sample gets a kind, and only on-CPU kinds ever carry CPU:
 * - work      JS or native code running (a native leaf such as JSON.parse, or `(program)`: V8/Node C++ code
 *             with no JS frame, e.g. compiling)
 * - gc        `(garbage collector)`: on-CPU, has no JS stack
 * - artefact  the profiler itself (our agent's frames at the top of the stack, the inspector dispatch they
 *             call, a bare `(root)` sample): on-CPU, but never a user's line; reported as profiler overhead
 * - idle      `(idle)`: the event loop waiting (the only wait V8 names itself)
 * - waiting   a blocking wait that V8 samples as running JS: the innermost JS frame is a known wait function
 *             (tinypool/piscina `atomicsWaitLoop` sits in Atomics.wait; `spawnSync` sits in a synchronous
 *             child-process wait). Off-CPU, never a line's CPU.
 */
import type { V8CallFrame, V8Profile, V8ProfileNode } from '../spool/format.js'
import type { ThreadRecord } from '../spool/reader.js'

export type SampleKind = 'work' | 'gc' | 'artefact' | 'idle' | 'waiting'

/** Kinds that burn the thread's CPU: the thread's CPU clock is split over these samples only. */
export const ON_CPU: ReadonlySet<SampleKind> = new Set(['work', 'gc', 'artefact'])
export const isOnCpu = (k: SampleKind): boolean => ON_CPU.has(k)

export interface Sample {
  /** Microseconds, same clock as windows. */
  ts: number
  /** Wall microseconds this sample stands for: time to the next sample (the last one: the chunk's median delta). */
  weight: number
  kind: SampleKind
  /** The leaf node, with its chunk's node table for walking up the stack. */
  node: V8ProfileNode
  chunk: ChunkNodes
  /**
   * The leaf's call stack, interned per thread: every chunk has its own node objects, but the same stack in two
   * chunks is one CallStack, so per-stack work (placing, mapping frames) is done once per thread.
   */
  stack: CallStack | null
  /** Estimated on-CPU microseconds of this sample (cpu.ts fills it in; 0 for off-CPU kinds). */
  cpuUs: number
}

/** An interned call stack: a frame and the stack of its caller (null at the outermost frame). */
export interface CallStack {
  /** Unique within its thread. */
  id: number
  callFrame: V8CallFrame
  parent: CallStack | null
}

export interface ChunkNodes {
  /** Chunk seq; with the thread key it names the chunk in dumps. */
  seq: number
  byId: Map<number, V8ProfileNode>
  parentOf: Map<number, number>
  profile: V8Profile
  /** What the thread's chunks together show of its functions (shared by all chunks of one thread). */
  code: ThreadCode
}

/**
 * A thread's functions as its chunks show them, for placing lines V8 put on the wrong function (locations.ts):
 * which functions each function called (direct children in any chunk) and on which lines (1-based) each
 * function's own nodes ticked. Complete once expandSamples has read all of the thread's chunks, which is before
 * any sample is placed.
 */
export interface ThreadCode {
  callees: Map<string, Set<string>>
  frames: Map<string, { callFrame: V8CallFrame; lines: Set<number> }>
}

function learnChunk(code: ThreadCode, profile: V8Profile, byId: Map<number, V8ProfileNode>): void {
  for (const n of profile.nodes) {
    const key = callFrameKey(n.callFrame)
    let f = code.frames.get(key)
    if (!f) code.frames.set(key, (f = { callFrame: n.callFrame, lines: new Set() }))
    for (const t of n.positionTicks ?? []) if (t.ticks > 0) f.lines.add(t.line)
    for (const c of n.children ?? []) {
      const child = byId.get(c)
      if (!child) continue
      let set = code.callees.get(key)
      if (!set) code.callees.set(key, (set = new Set()))
      set.add(callFrameKey(child.callFrame))
    }
  }
}

/**
 * Innermost-JS-frame function names that mean "blocked, not working". Matched only on the innermost frame that
 * has a URL, never further up: tinypool runs `onMessage` (and so a synchronous task) from inside
 * `atomicsWaitLoop`, and that work must stay work.
 */
const WAIT_FUNCTIONS: ReadonlyMap<string, RegExp> = new Map([
  ['atomicsWaitLoop', /tinypool|piscina/],
  ['spawnSync', /^node:(internal\/)?child_process$/],
  ['execSync', /^node:(internal\/)?child_process$/],
  ['execFileSync', /^node:(internal\/)?child_process$/],
])

/**
 * The profiler's own scripts inside profiled threads: the bundled agents (preload.cjs, and the meter's
 * bundles, which run on in a budgets-only run's threads that start sampling) and setup file, and a run's bootstrap
 * and setup stubs (run-dir.ts, budgets-only.ts: `<outputDir>/bootstrap/[budgets-]<runId>.cjs|.setup.mjs`, the
 * run id a timestamp and a pid, whatever the outputDir option).
 * The one test for "ours" (sample classification here, the '(profiler)' group in locations.ts, the stacks of
 * the profile files in report/frames.ts). The agent always runs from dist/, so no source path is matched: a
 * user's own `src/agent/*.ts` is the user's code (and only our bundles' names: a user's `dist/agent/x.cjs` too).
 */
const PROFILER_URL = /\/dist\/agent\/(preload\.cjs|meter\.cjs|meter-worker\.cjs|meter-hook\.cjs|setup\.js)$|\/bootstrap\/(budgets-)?\d{8}T\d{6}-\d+(-\d+)?\.(cjs|setup\.mjs)$/
export const isProfilerUrl = (url: string): boolean => PROFILER_URL.test(url)

export function expandSamples(thread: ThreadRecord): Sample[] {
  const out: Sample[] = []
  const interned = new Map<string, CallStack>()
  const code: ThreadCode = { callees: new Map(), frames: new Map() }
  for (const { profile, event } of thread.chunks) {
    const chunk = indexChunk(profile, event.seq, code)
    const stacks = new Map<number, CallStack | null>()
    const stackFor = (node: V8ProfileNode): CallStack | null => {
      let st = stacks.get(node.id)
      if (st !== undefined) return st
      if (node.callFrame.functionName === '(root)') st = null
      else {
        const parentId = chunk.parentOf.get(node.id)
        const parentNode = parentId === undefined ? undefined : chunk.byId.get(parentId)
        const parent = parentNode ? stackFor(parentNode) : null
        const cf = node.callFrame
        const key = `${parent?.id ?? ''}\n${callFrameKey(cf)}`
        st = interned.get(key) ?? null
        if (!st) interned.set(key, (st = { id: interned.size + 1, callFrame: cf, parent }))
      }
      stacks.set(node.id, st)
      return st
    }
    const samples = profile.samples ?? []
    const deltas = profile.timeDeltas ?? []
    if (!samples.length) continue
    const stamps: number[] = []
    let ts = profile.startTime
    for (let i = 0; i < samples.length; i++) stamps.push((ts += deltas[i]!))
    const median = medianDelta(deltas)
    const kinds = new Map<number, SampleKind>()
    for (let i = 0; i < samples.length; i++) {
      const node = chunk.byId.get(samples[i]!)
      if (!node) continue
      const next = i + 1 < samples.length ? stamps[i + 1]! - stamps[i]! : Math.min(median, Math.max(0, profile.endTime - stamps[i]!))
      const stack = stackFor(node)
      let kind = kinds.get(node.id)
      if (!kind) kinds.set(node.id, (kind = classify(node, stackFrames(stack))))
      // cpuUs starts as a double (-0, reset to 0 by cpu.ts): a field that starts as a small integer and later
      // holds fractions makes V8 migrate every sample object one by one (measured: 6 ms per 8,500 samples).
      out.push({ ts: stamps[i]!, weight: Math.max(0, next), kind, node, chunk, stack, cpuUs: -0 })
    }
  }
  // Chunks are in seq order and the reader trimmed their overlaps, so this is a no-op unless a chunk was odd.
  out.sort((a, b) => a.ts - b.ts)
  return out
}

/** What identifies a call frame's function across chunks (each chunk has its own node objects). */
export const callFrameKey = (cf: V8CallFrame): string => `${cf.url}\n${cf.lineNumber}\n${cf.columnNumber}\n${cf.functionName}`

/** Frames of an interned stack, leaf first. */
export function stackFrames(stack: CallStack | null): V8CallFrame[] {
  const frames: V8CallFrame[] = []
  for (let st = stack; st; st = st.parent) frames.push(st.callFrame)
  return frames
}

function indexChunk(profile: V8Profile, seq: number, code: ThreadCode): ChunkNodes {
  const byId = new Map<number, V8ProfileNode>()
  const parentOf = new Map<number, number>()
  for (const n of profile.nodes) {
    byId.set(n.id, n)
    for (const c of n.children ?? []) parentOf.set(c, n.id)
  }
  learnChunk(code, profile, byId)
  return { seq, byId, parentOf, profile, code }
}

/**
 * The agent's pass-through wrappers of the user's own calls (Atomics.wait in idle.ts, the child_process and
 * Worker patches in propagation.ts, lifecycle.ts and child-cpu.ts, postMessage in thread-table.ts): a sample
 * under one of them belongs to the user's call that went through it, so classification looks past them.
 */
const PASS_THROUGH = new Set(['wait', 'spawn', 'patched', 'patchedExecSync', 'timedSpawn', 'Worker', 'postMessage'])
const isPassThrough = (f: V8CallFrame): boolean => PASS_THROUGH.has(f.functionName) && isProfilerUrl(f.url)

/** The kind of a sample whose leaf is `node`; `frames`: its stack, leaf first, without `(root)` (stackFrames). */
export function classify(node: V8ProfileNode, all: V8CallFrame[]): SampleKind {
  const name = node.callFrame.functionName
  if (name === '(idle)') return 'idle'
  if (name === '(garbage collector)') return 'gc'
  if (name === '(program)') return 'work'
  if (name === '(root)') return 'artefact'
  const frames = all.some(isPassThrough) ? all.filter((f) => !isPassThrough(f)) : all
  // The innermost frame with a URL decides (native frames such as `dispatch` or `spawn` have none).
  const inner = frames.find((f) => f.url !== '')
  if (!inner) return 'work'
  const waitUrl = WAIT_FUNCTIONS.get(inner.functionName)
  if (waitUrl && waitUrl.test(inner.url)) return 'waiting'
  // The agent calls into node:inspector / node:fs; the first non-node: frame with a URL tells whose call it is.
  const owner = frames.find((f) => f.url !== '' && !f.url.startsWith('node:'))
  if (owner && isProfilerUrl(owner.url)) return 'artefact'
  return 'work'
}

function medianDelta(deltas: number[]): number {
  if (!deltas.length) return 0
  const sorted = deltas.slice(1).sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? deltas[0]!
}
