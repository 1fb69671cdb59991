/**
 * Source maps: from the URL V8 reports for a script to the user's original file and line.
 *
 * Where maps come from, in order:
 * 1. Captured maps (`sourcemaps.json` in the run dir, keyed by the script URL): vitest runs transformed modules
 *    (the test files, `file:///abs/x.test.ts`) through `vm`, and their maps live only in the main process's
 *    module graph. The reporter copies them there (plugin/reporter.ts → collect-maps.ts).
 * 2. A `//# sourceMappingURL=` comment in the script file on disk: a `data:` URL (inline) or a file next to it.
 * 3. None: lines are taken as executed (right for plain JS, and for TypeScript that Node type-stripped, which
 *    keeps lines).
 *
 * Line mapping is only as honest as the map: V8 gives a sample's GENERATED line, not its column, so a
 * generated line whose segments come from more than one original line (code squeezed onto one line: tsx,
 * minified bundles) cannot be split; such a line is attributed to its function's original position and marked
 * function-level instead of inventing a line.
 */
import * as path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { TraceMap, decodedMappings, originalPositionFor, sourceContentFor } from '@jridgewell/trace-mapping'

export const CAPTURED_MAPS_FILE = 'sourcemaps.json'

export interface RawSourceMap {
  version: number
  sources: (string | null)[]
  mappings: string
  names?: string[]
  sourceRoot?: string
  sourcesContent?: (string | null)[]
  file?: string
}

/** File access, injected so the stage stays testable on recorded data. */
export interface SourceIo {
  readText(absPath: string): string | null
  /** The last `bytes` bytes of a file (a script's map comment is its last line); without it, readText. */
  readTail?(absPath: string, bytes: number): string | null
}

/** How much of a script's end is read to find its `sourceMappingURL` comment. */
const TAIL_BYTES = 4096

export type MapOrigin = 'captured' | 'file' | 'inline'

export interface MappedLine {
  /** Original source URL (file:// for files). */
  url: string
  /** 1-based. */
  line: number
}

export type LineMapping =
  | { kind: 'unmapped' } // no map: the generated line is the line
  | { kind: 'exact'; to: MappedLine }
  | { kind: 'ambiguous'; candidates: number } // several original lines on this generated line
  | { kind: 'none' } // the map has nothing for this line

interface Script {
  map: TraceMap
  origin: MapOrigin
  lineCache: Map<number, LineMapping>
}

export class SourceMaps {
  private scripts = new Map<string, Script | null>()
  private texts = new Map<string, string[] | null>()

  constructor(
    private readonly captured: Record<string, RawSourceMap>,
    private readonly io: SourceIo,
  ) {}

  /** The map of a script, or null. Only file: URLs can have one (node: internals and natives have none). */
  script(url: string): Script | null {
    if (this.scripts.has(url)) return this.scripts.get(url)!
    let script: Script | null = null
    try {
      const captured = this.captured[url]
      if (captured) script = { map: new TraceMap(captured as never, url), origin: 'captured', lineCache: new Map() }
      else if (url.startsWith('file:')) script = this.fromComment(url)
    } catch {
      // A broken map is treated as no map: lines stay as executed (and the report says unmapped).
      script = null
    }
    this.scripts.set(url, script)
    return script
  }

  origin(url: string): MapOrigin | null {
    return this.script(url)?.origin ?? null
  }

  /** Maps a 1-based generated line. */
  mapLine(url: string, line: number): LineMapping {
    const script = this.script(url)
    if (!script) return { kind: 'unmapped' }
    const cached = script.lineCache.get(line)
    if (cached) return cached
    const segments = decodedMappings(script.map)[line - 1] ?? []
    const targets = new Set<string>()
    let to: MappedLine | null = null
    const sources = script.map.resolvedSources
    for (const seg of segments) {
      if (seg.length < 4) continue
      const key = `${seg[1]}:${seg[2]}`
      if (targets.has(key)) continue
      targets.add(key)
      to = { url: sources[seg[1]!] ?? url, line: seg[2]! + 1 }
    }
    const result: LineMapping =
      targets.size === 0 ? { kind: 'none' } : targets.size === 1 ? { kind: 'exact', to: to! } : { kind: 'ambiguous', candidates: targets.size }
    script.lineCache.set(line, result)
    return result
  }

  /** Maps a 0-based generated position (a function's declaration from callFrame) to 1-based line, 0-based column. */
  mapPosition(url: string, line0: number, column0: number): { url: string; line: number; column: number } | null {
    const script = this.script(url)
    if (!script) return null
    for (const bias of [1, -1] as const) {
      const pos = originalPositionFor(script.map, { line: line0 + 1, column: Math.max(0, column0), bias })
      if (pos.source !== null && pos.line !== null) return { url: pos.source, line: pos.line, column: pos.column ?? 0 }
    }
    return null
  }

  /** Text of a 1-based line of an original source (from disk, else from the map's sourcesContent). */
  sourceLine(url: string, line: number, generatedUrl?: string): string | null {
    let lines = this.texts.get(url)
    if (lines === undefined) {
      let text: string | null = null
      if (url.startsWith('file:')) text = this.io.readText(fileURLToPath(url))
      if (text === null && generatedUrl) {
        const script = this.script(generatedUrl)
        if (script) text = sourceContentFor(script.map, url)
      }
      lines = text === null ? null : text.split(/\r?\n/)
      this.texts.set(url, lines)
    }
    return lines?.[line - 1] ?? null
  }

  private fromComment(url: string): Script | null {
    const file = fileURLToPath(url)
    if (!/\.[cm]?js$/.test(file)) return null
    // Only the tail at first: most scripts here are libraries without a map (vitest's chunks run to 500 KB).
    // The whole file when the tail is one unfinished line (an inline data: map) or the comment is not last.
    // An io without readTail (a test double) reads the file whole, once.
    const whole = this.io.readTail ? undefined : this.io.readText(file)
    const tail = this.io.readTail ? this.io.readTail(file, TAIL_BYTES) : (whole?.slice(-TAIL_BYTES) ?? null)
    if (!tail) return null
    let match = /\/\/[#@] sourceMappingURL=(\S+)\s*$/.exec(tail.trimEnd() + '\n')
    if (!match && (tail.includes('sourceMappingURL=') || (tail.length >= TAIL_BYTES - 4 && !tail.includes('\n')))) {
      const code = whole === undefined ? this.io.readText(file) : whole
      match = code ? lastComment(code) : null
    }
    if (!match) return null
    const ref = match[1]!
    if (ref.startsWith('data:')) {
      const comma = ref.indexOf(',')
      const meta = ref.slice(5, comma)
      const body = ref.slice(comma + 1)
      const json = meta.endsWith(';base64') ? Buffer.from(body, 'base64').toString('utf8') : decodeURIComponent(body)
      return { map: new TraceMap(JSON.parse(json), url), origin: 'inline', lineCache: new Map() }
    }
    const mapPath = path.resolve(path.dirname(file), decodeURIComponent(ref))
    const text = this.io.readText(mapPath)
    if (!text) return null
    return { map: new TraceMap(JSON.parse(text), pathToFileURL(mapPath).href), origin: 'file', lineCache: new Map() }
  }
}

function lastComment(code: string): RegExpExecArray | null {
  // Most scripts without a map in their tail have none at all: a plain search first (a regex over a library's
  // 500 KB bundle cost 8 ms a file).
  if (!code.includes('sourceMappingURL=')) return null
  const re = /\/\/[#@] sourceMappingURL=(\S+)/g
  let last: RegExpExecArray | null = null
  for (let m = re.exec(code); m; m = re.exec(code)) last = m
  return last
}
