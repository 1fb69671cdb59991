/**
 * Processes that are not Node (threads.ts `native`) into buckets. They have no samples: their CPU comes from the
 * OS's readings (agent/child-cpu.ts), taken at the spawn (0), on the parent's timer while they live, and at the
 * exit. Between two readings the CPU is spread evenly over time (readings are about 100 ms apart while the
 * parent's event loop turns; a child spawned and awaited inside one test is bracketed exactly by its spawn and
 * exit). Like a sample of a thread the spawning thread created, a native process's CPU goes to the windows of
 * the spawning thread's test thread that its time falls in (overlapping concurrent windows each get it, as
 * samples do), the rest to that test thread's "outside tests" bucket of the file running then. Pure.
 */
import type { NativeProcess, ThreadTree } from './threads.js'
import { bucketKey, type WindowIndex } from './windows.js'

export interface NativeShare {
  /** Index into `tree.native`. */
  process: number
  command: string
  pid: number | null
  cpuUs: number
}

/** Is the process's CPU attributed at all: known, and not already counted by profiled Node processes below it. */
export const attributable = (p: NativeProcess): boolean => p.cpuUs !== null && p.readings.length > 1 && p.wraps.length === 0

/** Native CPU per bucket key (windows.ts bucketKey), heaviest first within a bucket. */
export function nativeByBucket(tree: ThreadTree, index: WindowIndex, sinceUs?: number): Map<string, NativeShare[]> {
  const out = new Map<string, NativeShare[]>()
  const add = (key: string, i: number, p: NativeProcess, us: number) => {
    if (!(us > 0)) return
    let list = out.get(key)
    if (!list) out.set(key, (list = []))
    const e = list.find((x) => x.process === i)
    if (e) e.cpuUs += us
    else list.push({ process: i, command: p.command, pid: p.pid, cpuUs: us })
  }
  tree.native.forEach((p, i) => {
    if (!attributable(p)) return
    const cpuAt = (t: number) => interpolate(p.readings, sinceUs === undefined ? t : Math.max(t, sinceUs))
    if (!p.root) return add(bucketKey({ kind: 'unattributed', thread: p.parent }), i, p, cpuAt(Infinity) - cpuAt(-Infinity))
    const wins = index.byThread.get(p.root) ?? []
    const segs = index.segments.get(p.root) ?? [{ end: Infinity, file: null }]
    let prev = -Infinity
    for (const seg of segs) {
      let rest = cpuAt(seg.end) - cpuAt(prev)
      for (const w of wins) {
        if (w.event.start < prev || w.event.start >= seg.end) continue
        const us = cpuAt(w.event.end) - cpuAt(w.event.start)
        add(bucketKey({ kind: 'test', window: w }), i, p, us)
        rest -= us
      }
      // Concurrent windows share their CPU (each gets all of it): what is left outside them cannot go negative.
      add(bucketKey({ kind: 'outside', thread: p.root, file: seg.file }), i, p, Math.max(0, rest))
      prev = seg.end
    }
  })
  for (const list of out.values()) list.sort((a, b) => b.cpuUs - a.cpuUs)
  return out
}

/** Piecewise-linear CPU at time t from sorted readings; 0 before the first, the last value after the last. */
export function interpolate(readings: { at: number; cpu: number }[], t: number): number {
  if (!readings.length || t <= readings[0]!.at) return 0
  const last = readings[readings.length - 1]!
  if (t >= last.at) return last.cpu
  let lo = 0
  let hi = readings.length - 1
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1
    if (readings[mid]!.at <= t) lo = mid
    else hi = mid
  }
  const a = readings[lo]!
  const b = readings[hi]!
  return b.at === a.at ? b.cpu : a.cpu + ((b.cpu - a.cpu) * (t - a.at)) / (b.at - a.at)
}

/**
 * A row's name: `(not Node)`, the program's file name and its arguments (`(not Node) esbuild --service=0.28.2`).
 * Not "(native)": V8 already names its own native frames that way in the same tables.
 */
export function nativeLabel(command: string): string {
  const [bin = '', ...args] = command.split(' ')
  return ['(not Node)', bin.split(/[\\/]/).pop() ?? bin, ...args].join(' ')
}
