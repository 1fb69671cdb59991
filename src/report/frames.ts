/**
 * Shared by the profile-format renderers: a sample's stack as located (source-mapped) frames, root first.
 * V8's pseudo nodes ((idle), (garbage collector), (program)) keep their names and have no URL.
 */
import type { Attribution } from '../attribution/pipeline.js'
import { isProfilerUrl, stackFrames, type CallStack, type Sample } from '../attribution/samples.js'
import type { Frame } from '../attribution/locations.js'

export const frameId = (f: Frame): string => `${f.functionName}\u0000${f.url}\u0000${f.line}\u0000${f.column}`

/** A file name safe on every platform for a thread key or a test name. */
export const safeName = (s: string): string => s.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80)

/**
 * Memoizes a per-stack value by the sample's interned stack (samples.ts: one object per distinct stack of a
 * thread, across its chunks), computed from the sample (its stack, or its kind, which its stack decides).
 * Renderers call this once per sample: without it they walked and mapped every frame of every sample (about
 * half of the reporter's time on an 8,500-sample run).
 */
export function byStack<T>(compute: (s: Sample) => T): (s: Sample) => T {
  // A Map, not a WeakMap: a sample with no frames has a null stack, which is a key here too.
  const cache = new Map<CallStack | null, T>()
  return (s) => {
    let v = cache.get(s.stack)
    if (v === undefined) cache.set(s.stack, (v = compute(s)))
    return v
  }
}

/** The one frame that stands for the profiler's own work in a shown stack (the terminal's "profiler overhead"). */
export const PROFILER_OVERHEAD = '(profiler overhead)'

export interface ShownStack {
  /** Mapped frames, root first, without any frame of the profiler's own scripts. */
  frames: Frame[]
  /** The sample is the profiler's own work (kind 'artefact'): shown as PROFILER_OVERHEAD on top of `frames`. */
  overhead: boolean
  /** The last of `frames` is the sample's own leaf node, so that node's line histogram applies to it. */
  ownLeaf: boolean
}

/**
 * A sample's stack as a user should see it, by the same rule as the terminal's figures: the sample's kind
 * (samples.ts classify) and isProfilerUrl, the one test for "ours".
 * - The profiler's own work (kind 'artefact'): the user's or library's frames below it, then one
 *   PROFILER_OVERHEAD frame for all of the rest (our frames and the node: or native frames that ours called or
 *   that called ours: a timer's listOnTimeout, an inspector dispatch, an exit handler's emit).
 * - Any other sample: without our pass-through wrappers and hooks (the setup file's aroundEach around each
 *   test, the postMessage gate, the spawn patches), which carry none of its time and are not the user's code.
 */
export function shownStack(a: Attribution, s: Sample): ShownStack {
  const calls = stackFrames(s.stack).reverse()
  if (s.kind === 'artefact') {
    let top = calls.length - 1
    while (top >= 0 && (calls[top]!.url === '' || calls[top]!.url.startsWith('node:') || isProfilerUrl(calls[top]!.url))) top--
    const frames = calls.slice(0, top + 1).filter((cf) => !isProfilerUrl(cf.url))
    return { frames: frames.map((cf) => a.locator.frame(cf)), overhead: true, ownLeaf: false }
  }
  const kept = calls.filter((cf) => !isProfilerUrl(cf.url))
  return { frames: kept.map((cf) => a.locator.frame(cf)), overhead: false, ownLeaf: kept.length > 0 && kept.length === calls.length }
}
