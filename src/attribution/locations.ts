/**
 * Stage 4: profile nodes → source locations. A node's call frame becomes a Frame (its function, at the
 * function's ORIGINAL declaration), and its self samples are spread over original lines.
 *
 * V8 limitation that shapes this stage: the inspector profiler does not record the line of each sample. It keeps,
 * per node and per profile chunk, a histogram `positionTicks` (line → ticks). So a node's samples inside a test
 * window are split over lines by its chunk's histogram, not sample by sample. Where one chunk spans several tests
 * and a function runs different lines in each, the split is the chunk's average (the agent flushes a chunk at
 * every file end and at least every `flushInterval`, which bounds how much this can blur).
 *
 * Grouping: user code is shown per file; library code is grouped per package (`node_modules/tinypool`,
 * `node:internal`, `(native)`), unless `expandLibraries` asks for their files and lines.
 */
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { V8ProfileNode } from '../spool/format.js'
import type { SourceMaps } from './source-maps.js'
import { callFrameKey, isProfilerUrl, type ThreadCode } from './samples.js'

/**
 * 'line': a source line. 'function': only the function is known (the map cannot split the generated line, or
 * native code). 'none': V8 gave no line for these samples (see below); `line` is then the function's
 * declaration, which must never be shown as the line that ran.
 */
export type LineLevel = 'line' | 'function' | 'none'

export interface Frame {
  /** Function name ('(anonymous)' for an unnamed one; '(garbage collector)', '(program)' as V8 names them). */
  functionName: string
  /** Original source URL ('' for native code). */
  url: string
  /** For display: root-relative path for files under the root, the URL for node:, '' for native. */
  file: string
  /** 1-based original line of the function's declaration, null for native code. */
  line: number | null
  /** 0-based original column of the declaration, null for native code. */
  column: number | null
  /** Library group, or null for user code. */
  group: string | null
  /** Whether a source map moved this frame. */
  mapped: boolean
}

export interface SelfLine {
  url: string
  file: string
  group: string | null
  /** 1-based original line; null when only the function is known (native code). */
  line: number | null
  /** Share of the node's self samples on this line (from positionTicks). */
  fraction: number
  /** 'function': the map cannot place this generated line on one original line; attributed to the function. */
  level: LineLevel
  /**
   * The function this line really ran in, when it is not the node's own: V8 put a callee that TurboFan inlined
   * into the node's function on that node, with the callee's line (see compute()).
   */
  inlined?: Frame
}

export interface LocatedNode {
  frame: Frame
  selfLines: SelfLine[]
}

export class Locator {
  private cache = new WeakMap<V8ProfileNode, LocatedNode>()
  private readonly frames = new Map<string, Frame>()
  private readonly displays = new Map<string, string>()
  private readonly groups = new Map<string, string | null>()
  /** Functions with samples for which V8 gave no line of their own (for the report's notes), by function key. */
  readonly noLineFunctions = new Map<string, Frame>()

  constructor(
    private readonly maps: SourceMaps,
    private readonly rootDir: string,
  ) {}

  /** `code`: the node's thread's functions (its chunk's `code`), to place lines of inlined callees. */
  locate(node: V8ProfileNode, code?: ThreadCode): LocatedNode {
    let hit = this.cache.get(node)
    if (!hit) this.cache.set(node, (hit = this.compute(node, code)))
    return hit
  }

  /**
   * The Frame of a call frame. Every profile chunk has its own node objects for the same functions (a run has
   * one chunk per thread per flush), so frames are cached by what identifies the function, not by node.
   */
  frame(cf: V8ProfileNode['callFrame']): Frame {
    const key = callFrameKey(cf)
    let frame = this.frames.get(key)
    if (frame) return frame
    const functionName = cf.functionName || (cf.url ? '(anonymous)' : '(native)')
    if (!cf.url) {
      const group = functionName === '(garbage collector)' ? '(gc)' : functionName === '(program)' ? '(program)' : '(native)'
      frame = { functionName, url: '', file: '', line: null, column: null, group, mapped: false }
    } else {
      const pos = cf.lineNumber >= 0 && !this.isProfilerScript(cf.url) ? this.maps.mapPosition(cf.url, cf.lineNumber, cf.columnNumber) : null
      const url = pos?.url ?? cf.url
      frame = {
        functionName,
        url,
        file: this.display(url),
        line: pos ? pos.line : cf.lineNumber >= 0 ? cf.lineNumber + 1 : null,
        column: pos ? pos.column : cf.columnNumber >= 0 ? cf.columnNumber : null,
        group: this.cachedGroup(url),
        mapped: pos !== null,
      }
    }
    this.frames.set(key, frame)
    return frame
  }

  /**
   * Where V8's lines for a node can be wrong, measured on Node 20 and 24 (fixtures/hot-loop-lines):
   * - Inlining: when TurboFan has inlined a callee (a pool's task function into the pool's message handler),
   *   V8 charges a sample in the inlined code to the OUTER function's node, with the callee's line, which belongs
   *   to the callee's script: tinypool's worker.js handler got `{ line: 5 }` (the task's loop in f.mjs, line 5)
   *   for 70% of the loop's samples. A line before the node's own declaration cannot be the node's own. It is
   *   placed on the one callee of the function (in the thread's call tree, a few calls deep) whose own nodes
   *   ticked on that very line; with no such callee or several, the samples have no line from V8 ('none').
   *   (A callee's line after the caller's declaration looks like the caller's own and is not caught.)
   * - No line at all: a node with samples and no positionTicks (samples of code V8's code map does not know, such
   *   as a loop optimized by OSR before the current CpuProfiler started, land on the CALLER with no line; seen on
   *   module code). Its samples are 'none' on the function, never on the function's declaration line.
   */
  private compute(node: V8ProfileNode, code?: ThreadCode): LocatedNode {
    const cf = node.callFrame
    const frame = this.frame(cf)
    if (!cf.url) return { frame, selfLines: [{ url: '', file: '', group: frame.group, line: null, fraction: 1, level: 'function' }] }
    const url = frame.url
    const ticks = node.positionTicks?.length ? node.positionTicks : null
    if (!ticks) {
      if ((node.hitCount ?? 0) > 0 && !this.isProfilerScript(cf.url)) return { frame, selfLines: [this.noLine(frame, 1)] }
      return { frame, selfLines: [this.functionLine(frame, 1)] }
    }
    const total = ticks.reduce((s, t) => s + t.ticks, 0)
    const byKey = new Map<string, SelfLine>()
    const declLine = cf.lineNumber >= 0 ? cf.lineNumber + 1 : 0
    for (const t of ticks) {
      const fraction = total > 0 ? t.ticks / total : 1 / ticks.length
      let line: SelfLine
      if (t.line < declLine && !this.isProfilerScript(cf.url)) {
        const callee = code ? inlinedCallee(code, callFrameKey(cf), t.line) : null
        line = callee ? this.lineIn(callee, t.line, fraction, this.frame(callee)) : this.noLine(frame, fraction)
      } else line = this.lineIn(cf, t.line, fraction)
      const key = `${line.url}:${line.line}:${line.level}:${line.inlined ? callFrameKey(cf) : ''}`
      const prev = byKey.get(key)
      if (prev) prev.fraction += fraction
      else byKey.set(key, line)
    }
    return { frame, selfLines: [...byKey.values()] }
  }

  /** Line `line` (1-based, generated) of the function of call frame `cf`, mapped. */
  private lineIn(cf: V8ProfileNode['callFrame'], lineNo: number, fraction: number, inlined?: Frame): SelfLine {
    const frame = this.frame(cf)
    const m = this.isProfilerScript(cf.url) ? ({ kind: 'unmapped' } as const) : this.maps.mapLine(cf.url, lineNo)
    let line: SelfLine
    if (m.kind === 'unmapped') line = { url: frame.url, file: frame.file, group: frame.group, line: lineNo, fraction, level: 'line' }
    else if (m.kind === 'exact') line = { url: m.to.url, file: this.display(m.to.url), group: this.cachedGroup(m.to.url), line: m.to.line, fraction, level: 'line' }
    else line = this.functionLine(frame, fraction)
    if (inlined) line.inlined = inlined
    return line
  }

  private noLine(frame: Frame, fraction: number): SelfLine {
    this.noLineFunctions.set(`${frame.url}:${frame.line}:${frame.functionName}`, frame)
    return { url: frame.url, file: frame.file, group: frame.group, line: frame.line, fraction, level: 'none' }
  }

  private functionLine(frame: Frame, fraction: number): SelfLine {
    return { url: frame.url, file: frame.file, group: frame.group, line: frame.line, fraction, level: 'function' }
  }

  display(url: string): string {
    let shown = this.displays.get(url)
    if (shown === undefined) this.displays.set(url, (shown = this.computeDisplay(url)))
    return shown
  }

  private cachedGroup(url: string): string | null {
    let group = this.groups.get(url)
    if (group === undefined) this.groups.set(url, (group = groupOf(url)))
    return group
  }

  /** The profiler's own scripts are grouped as '(profiler)' whatever their line: no need to decode their maps. */
  private isProfilerScript(url: string): boolean {
    return this.cachedGroup(url) === PROFILER_GROUP
  }

  private computeDisplay(url: string): string {
    if (!url.startsWith('file:')) return url
    let abs: string
    try {
      abs = fileURLToPath(url)
    } catch {
      return url
    }
    const rel = path.relative(this.rootDir, abs)
    return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : abs
  }
}

/** How many calls deep a callee inlined into a function is looked for. */
const INLINE_DEPTH = 4

/**
 * The one function called (directly or up to INLINE_DEPTH calls deep) by the function `key` whose own nodes
 * ticked on `line`, at or after its own declaration; null when there is none or more than one.
 */
function inlinedCallee(code: ThreadCode, key: string, line: number): V8ProfileNode['callFrame'] | null {
  const found = new Map<string, V8ProfileNode['callFrame']>()
  const seen = new Set([key])
  let level = [key]
  for (let depth = 0; depth < INLINE_DEPTH && level.length; depth++) {
    const next: string[] = []
    for (const k of level) {
      for (const c of code.callees.get(k) ?? []) {
        if (seen.has(c)) continue
        seen.add(c)
        next.push(c)
        const f = code.frames.get(c)
        if (f && f.callFrame.url && f.lines.has(line) && line >= f.callFrame.lineNumber + 1) found.set(c, f.callFrame)
      }
    }
    // The nearest calls win: one there is the answer, several are ambiguous.
    if (found.size) return found.size === 1 ? [...found.values()][0]! : null
    level = next
  }
  return null
}

/** The group of vitest-profiler's own scripts (the agent, the setup file, a run's bootstrap). */
const PROFILER_GROUP = '(profiler)'

/** The library group of a URL, or null for user code. */
export function groupOf(url: string): string | null {
  if (!url) return '(native)'
  if (url.startsWith('node:')) {
    const mod = url.slice(5).split('/')[0]!
    return `node:${mod}`
  }
  if (isProfilerUrl(url)) return PROFILER_GROUP
  const i = url.lastIndexOf('/node_modules/')
  if (i >= 0) {
    const rest = url.slice(i + '/node_modules/'.length).split('/')
    const pkg = rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1] ?? ''}` : rest[0]!
    return `node_modules/${pkg}`
  }
  if (!/^(file|https?):/.test(url) && !url.startsWith('/')) return '(eval)'
  return null
}
