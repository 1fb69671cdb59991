/**
 * Stage 6: one bucket's (a test's, or a file's time outside tests) tally of lines and functions.
 *
 * Inputs per sample: its CPU (already scaled so that each thread's samples in the bucket add up to that
 * thread's clock CPU there), whether it ran on the test's own thread ("main") or a worker, and its located leaf.
 * - Line self: the leaf node's self lines (positionTicks split, locations.ts). Only work and gc samples reach
 *   lines; artefacts (the profiler) are counted apart; idle/waiting carry no CPU and reach nothing.
 * - Function self: the leaf's function. Function total: every distinct function on the sample's stack.
 * - A line has no "total": V8 records no call sites (leaf-line mode), so the line inside a caller that made a
 *   call is unknown. The report shows the containing function's total next to a line's self instead.
 */
import type { V8ProfileNode } from '../spool/format.js'
import { figure, effectiveN, type Figure } from './stats.js'
import { stackFrames, type CallStack, type Sample } from './samples.js'
import type { Frame, LineLevel, Locator, SelfLine } from './locations.js'
import { byCodeUnits } from './compare.js'

export interface LineStat {
  key: string
  url: string
  /** Display path, or the library group when grouped. */
  file: string
  /** 1-based original line; null for a grouped library or native code. */
  line: number | null
  group: string | null
  level: LineLevel
  /** The function the line is in (the heaviest one, for a grouped library). */
  functionName: string
  functionKey: string
  /**
   * Inclusive CPU of the function(s) this line ran in: every sample with one of them on its stack (and the
   * inlined share of one not on it). At least the line's own CPU by construction: each sample that put CPU on
   * the line counts here in full. A line that ran in several functions (a nested callback on one line, minified
   * code on one line) gets their union, not the heaviest one's total, which could be less than the line.
   */
  functionTotalUs: number
  samples: number
  cpuUs: number
  mainUs: number
  workersUs: number
  share: Figure
}

export interface FunctionStat {
  key: string
  functionName: string
  url: string
  file: string
  line: number | null
  group: string | null
  selfUs: number
  totalUs: number
  selfSamples: number
  totalSamples: number
  /** Self CPU split: on the test's own thread / on its workers. */
  mainUs: number
  workersUs: number
  /** Total (inclusive) CPU split: on the test's own thread / on its workers (function budgets, budgets/lines.ts). */
  totalMainUs: number
  totalWorkersUs: number
  self: Figure
  total: Figure
}

export interface WaitedLine {
  key: string
  file: string
  line: number | null
  functionName: string
  cpuUs: number
  samples: number
}

export interface TallyOptions {
  expandLibraries: boolean
  minSamples: number
}

interface LineAcc extends Omit<LineStat, 'share' | 'functionTotalUs'> {
  fnWeights: Map<string, number>
}

interface FnAcc extends Omit<FunctionStat, 'self' | 'total'> {}

interface Placed {
  frame: Frame
  functionKey: string
  /** `fn`: the function the line ran in when it is not the leaf's (a callee V8 inlined into it). */
  lines: { line: SelfLine; key: string; fn: { key: string; frame: Frame } | null }[]
  /** Distinct function keys on the stack, with their frames. */
  stack: { key: string; frame: Frame }[]
}

/** Per-leaf-node placement cache, shared by all tallies of a run. */
export class Placer {
  private cache = new WeakMap<V8ProfileNode, Placed>()
  private stacks = new WeakMap<CallStack, Placed['stack']>()
  constructor(
    private readonly locator: Locator,
    private readonly options: TallyOptions,
  ) {}

  place(sample: Sample): Placed {
    let hit = this.cache.get(sample.node)
    if (hit) return hit
    const leaf = this.locator.locate(sample.node, sample.chunk?.code)
    const stack = this.stackOf(sample.stack)
    hit = {
      frame: leaf.frame,
      functionKey: this.functionKey(leaf.frame),
      lines: leaf.selfLines.map((line) => ({ line, key: this.lineKey(line), fn: line.inlined ? { key: this.functionKey(line.inlined), frame: line.inlined } : null })),
      stack,
    }
    this.cache.set(sample.node, hit)
    return hit
  }

  /** Distinct functions of an interned stack, leaf first (once per stack per run). */
  private stackOf(st: CallStack | null): Placed['stack'] {
    if (!st) return []
    let stack = this.stacks.get(st)
    if (stack) return stack
    stack = []
    const seen = new Set<string>()
    for (const cf of stackFrames(st)) {
      const frame = this.locator.frame(cf)
      const key = this.functionKey(frame)
      if (seen.has(key)) continue
      seen.add(key)
      stack.push({ key, frame })
    }
    this.stacks.set(st, stack)
    return stack
  }

  grouped(group: string | null): boolean {
    return group !== null && (!this.options.expandLibraries || group.startsWith('('))
  }

  lineKey(l: SelfLine): string {
    return this.grouped(l.group) ? `lib:${l.group}` : `${l.url}:${l.line}:${l.level}`
  }

  functionKey(f: Frame): string {
    return this.grouped(f.group) ? `lib:${f.group}:${f.functionName}` : `${f.url}:${f.line}:${f.functionName}`
  }
}

export class Tally {
  private lines = new Map<string, LineAcc>()
  private fns = new Map<string, FnAcc>()
  private waited = new Map<string, WaitedLine>()
  /** Work + gc + artefact CPU: the denominator of every share. */
  totalUs = 0
  private sumSq = 0
  onCpuSamples = 0
  profilerUs = 0
  private readonly pending = new Map<Placed, { count: number; cpuUs: number; mainUs: number; workersUs: number }>()
  /** Settled placements: their CPU, by each function on their stack (a line's function total, lineStats). */
  private readonly placedUs = new Map<Placed, number>()
  private readonly onStack = new Map<string, Set<Placed>>()
  /** An inlined callee's CPU in placements whose stack does not hold it, by function key and placement. */
  private readonly inlinedOffStack = new Map<string, Map<Placed, number>>()

  constructor(
    private readonly placer: Placer,
    private readonly options: TallyOptions,
  ) {}

  add(sample: Sample, cpuUs: number, isMain: boolean): void {
    this.totalUs += cpuUs
    this.sumSq += cpuUs * cpuUs
    this.onCpuSamples++
    if (sample.kind === 'artefact') {
      this.profilerUs += cpuUs
      return
    }
    // Samples of one V8 node share their placement (lines, stack): aggregate here, walk each stack once in
    // settle(). Walking every sample's stack was most of the reporter's time on a run of 8,500 samples.
    const placed = this.placer.place(sample)
    let agg = this.pending.get(placed)
    if (!agg) this.pending.set(placed, (agg = { count: 0, cpuUs: 0, mainUs: 0, workersUs: 0 }))
    agg.count++
    agg.cpuUs += cpuUs
    if (isMain) agg.mainUs += cpuUs
    else agg.workersUs += cpuUs
  }

  /** Folds the pending per-placement sums into the line and function tallies. */
  private settle(): void {
    for (const [placed, agg] of this.pending) {
      let inlinedUs = 0
      let inlinedCount = 0
      for (const { line, key, fn } of placed.lines) {
        const functionKey = fn?.key ?? placed.functionKey
        let acc = this.lines.get(key)
        if (!acc) {
          const grouped = this.placer.grouped(line.group)
          acc = {
            key,
            url: grouped ? '' : line.url,
            file: grouped ? line.group! : line.file,
            line: grouped ? null : line.line,
            group: line.group,
            level: grouped ? 'function' : line.level,
            functionName: (fn?.frame ?? placed.frame).functionName,
            functionKey,
            samples: 0,
            cpuUs: 0,
            mainUs: 0,
            workersUs: 0,
            fnWeights: new Map(),
          }
          this.lines.set(key, acc)
        }
        const us = agg.cpuUs * line.fraction
        acc.samples += agg.count * line.fraction
        acc.cpuUs += us
        acc.mainUs += agg.mainUs * line.fraction
        acc.workersUs += agg.workersUs * line.fraction
        acc.fnWeights.set(functionKey, (acc.fnWeights.get(functionKey) ?? 0) + us)
        // An inlined callee's share: its function's self (and total: it was called), not the leaf's self.
        if (fn && fn.key !== placed.functionKey) {
          const f = this.fns.get(fn.key) ?? this.newFn(fn.key, fn.frame)
          f.selfUs += us
          f.selfSamples += agg.count * line.fraction
          f.mainUs += agg.mainUs * line.fraction
          f.workersUs += agg.workersUs * line.fraction
          if (!placed.stack.some((s) => s.key === fn.key)) {
            let off = this.inlinedOffStack.get(fn.key)
            if (!off) this.inlinedOffStack.set(fn.key, (off = new Map()))
            off.set(placed, (off.get(placed) ?? 0) + us)
            f.totalUs += us
            f.totalSamples += agg.count * line.fraction
            f.totalMainUs += agg.mainUs * line.fraction
            f.totalWorkersUs += agg.workersUs * line.fraction
          }
          inlinedUs += us
          inlinedCount += agg.count * line.fraction
        }
      }
      const inlinedShare = agg.cpuUs > 0 ? inlinedUs / agg.cpuUs : 0
      const stack = placed.stack.length ? placed.stack : [{ key: placed.functionKey, frame: placed.frame }]
      this.placedUs.set(placed, (this.placedUs.get(placed) ?? 0) + agg.cpuUs)
      for (let i = 0; i < stack.length; i++) {
        const { key, frame } = stack[i]!
        let on = this.onStack.get(key)
        if (!on) this.onStack.set(key, (on = new Set()))
        on.add(placed)
        const acc = this.fns.get(key) ?? this.newFn(key, frame)
        acc.totalUs += agg.cpuUs
        acc.totalSamples += agg.count
        acc.totalMainUs += agg.mainUs
        acc.totalWorkersUs += agg.workersUs
        if (i === 0) {
          acc.selfUs += agg.cpuUs - inlinedUs
          acc.selfSamples += agg.count - inlinedCount
          acc.mainUs += agg.mainUs * (1 - inlinedShare)
          acc.workersUs += agg.workersUs * (1 - inlinedShare)
        }
      }
    }
    this.pending.clear()
  }

  /** Clock CPU that no sample carries: part of the bucket's total (shares' denominator), on no line. */
  addUnsampled(us: number): void {
    this.totalUs += us
  }

  /** A worker's sample taken while the test's own thread was waiting (idle or blocked). */
  addWaitedFor(sample: Sample, cpuUs: number): void {
    if (sample.kind === 'artefact') return
    const placed = this.placer.place(sample)
    for (const { line, key, fn } of placed.lines) {
      const grouped = this.placer.grouped(line.group)
      const acc = this.waited.get(key) ?? { key, file: grouped ? line.group! : line.file, line: grouped ? null : line.line, functionName: (fn?.frame ?? placed.frame).functionName, cpuUs: 0, samples: 0 }
      acc.cpuUs += cpuUs * line.fraction
      acc.samples += line.fraction
      this.waited.set(key, acc)
    }
  }

  private newFn(key: string, frame: Frame): FnAcc {
    const grouped = this.placer.grouped(frame.group)
    const acc: FnAcc = {
      key,
      functionName: frame.functionName,
      url: grouped ? '' : frame.url,
      file: grouped ? frame.group! : frame.file,
      line: grouped ? null : frame.line,
      group: frame.group,
      selfUs: 0,
      totalUs: 0,
      selfSamples: 0,
      totalSamples: 0,
      mainUs: 0,
      workersUs: 0,
      totalMainUs: 0,
      totalWorkersUs: 0,
    }
    this.fns.set(key, acc)
    return acc
  }

  get nEff(): number {
    return effectiveN(this.totalUs, this.sumSq)
  }

  lineStats(): LineStat[] {
    this.settle()
    const n = this.nEff
    const min = this.options.minSamples
    return [...this.lines.values()]
      .map(({ fnWeights, ...l }) => {
        // A grouped library line spans functions: name the heaviest.
        let best = l.functionKey
        let bestW = -1
        for (const [k, w] of fnWeights) if (w > bestW) [best, bestW] = [k, w]
        const fn = this.fns.get(best)
        const functionTotalUs = fnWeights.size === 1 ? (fn?.totalUs ?? l.cpuUs) : this.unionTotal([...fnWeights.keys()])
        return { ...l, functionKey: best, functionName: fn?.functionName ?? l.functionName, functionTotalUs, share: figure(l.cpuUs, this.totalUs, n, l.samples, min) }
      })
      .sort((a, b) => b.cpuUs - a.cpuUs || byCodeUnits(a.key, b.key))
  }

  functionStats(): FunctionStat[] {
    this.settle()
    const n = this.nEff
    const min = this.options.minSamples
    return [...this.fns.values()]
      .map((f) => ({
        ...f,
        self: figure(f.selfUs, this.totalUs, n, f.selfSamples, min),
        total: figure(f.totalUs, this.totalUs, n, f.totalSamples, min),
      }))
      .sort((a, b) => b.selfUs - a.selfUs || b.totalUs - a.totalUs || byCodeUnits(a.key, b.key))
  }

  /** The inclusive CPU of a set of functions: each placement with one of them on its stack counted once. */
  private unionTotal(keys: string[]): number {
    const seen = new Set<Placed>()
    let us = 0
    for (const k of keys) {
      for (const p of this.onStack.get(k) ?? []) {
        if (seen.has(p)) continue
        seen.add(p)
        us += this.placedUs.get(p) ?? 0
      }
    }
    for (const k of keys) for (const [p, inl] of this.inlinedOffStack.get(k) ?? []) if (!seen.has(p)) us += inl
    return us
  }

  waitedFor(): WaitedLine[] {
    return [...this.waited.values()].sort((a, b) => b.cpuUs - a.cpuUs || byCodeUnits(a.key, b.key))
  }
}
