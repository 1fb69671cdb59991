/**
 * Finding a script's map from its `sourceMappingURL` comment without reading whole library files: only the tail
 * is read unless the tail says the comment is elsewhere or is one long line (an inline map).
 */
import { describe, expect, test } from 'vitest'
import { SourceMaps, type SourceIo } from '../../src/attribution/source-maps.js'

const MAP = { version: 3, sources: ['a.ts'], names: [], mappings: 'AAAA' }
const base64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64')
const code = (lines: number) => Array.from({ length: lines }, (_, i) => `const v${i} = ${i} // some code to make the file long`).join('\n')

function memoryIo(files: Record<string, string>) {
  const wholeReads: string[] = []
  const io: SourceIo = {
    readText(p) {
      wholeReads.push(p)
      return files[p] ?? null
    },
    readTail(p, bytes) {
      const text = files[p]
      return text === undefined ? null : Buffer.from(text).subarray(-bytes).toString('utf8')
    },
  }
  return { io, wholeReads }
}

describe('SourceMaps: a script map from its comment', () => {
  test('a map file named in the last line: the script is not read whole', () => {
    const { io, wholeReads } = memoryIo({ '/p/a.js': `${code(500)}\n//# sourceMappingURL=a.js.map\n`, '/p/a.js.map': JSON.stringify(MAP) })
    expect(new SourceMaps({}, io).origin('file:///p/a.js')).toBe('file')
    expect(wholeReads).toEqual(['/p/a.js.map'])
  })

  test('no comment in a long file: no map, and the file is not read whole', () => {
    const { io, wholeReads } = memoryIo({ '/p/lib.js': code(2000) })
    expect(new SourceMaps({}, io).origin('file:///p/lib.js')).toBeNull()
    expect(wholeReads).toEqual([])
  })

  test('a short inline map in the tail', () => {
    const { io } = memoryIo({ '/p/b.js': `${code(300)}\n//# sourceMappingURL=data:application/json;base64,${base64(MAP)}\n` })
    expect(new SourceMaps({}, io).origin('file:///p/b.js')).toBe('inline')
  })

  test('an inline map longer than the tail: read whole', () => {
    const big = { ...MAP, sourcesContent: ['x'.repeat(20_000)] }
    const { io, wholeReads } = memoryIo({ '/p/c.js': `${code(300)}\n//# sourceMappingURL=data:application/json;base64,${base64(big)}` })
    const maps = new SourceMaps({}, io)
    expect(maps.origin('file:///p/c.js')).toBe('inline')
    expect(wholeReads).toEqual(['/p/c.js'])
    expect(maps.mapLine('file:///p/c.js', 1)).toEqual({ kind: 'exact', to: { url: 'file:///p/a.ts', line: 1 } })
  })

  test('a comment followed by more lines: found by reading the whole file', () => {
    const { io } = memoryIo({ '/p/d.js': `${code(10)}\n//# sourceMappingURL=d.js.map\n// a trailing banner\n`, '/p/d.js.map': JSON.stringify(MAP) })
    expect(new SourceMaps({}, io).origin('file:///p/d.js')).toBe('file')
  })

  test('without readTail the io is read whole, with the same answers', () => {
    const files: Record<string, string> = { '/p/a.js': `${code(500)}\n//# sourceMappingURL=a.js.map\n`, '/p/a.js.map': JSON.stringify(MAP), '/p/lib.js': code(2000) }
    const maps = new SourceMaps({}, { readText: (p) => files[p] ?? null })
    expect(maps.origin('file:///p/a.js')).toBe('file')
    expect(maps.origin('file:///p/lib.js')).toBeNull()
  })

  test('without readTail, a comment that is not last still costs one whole read', () => {
    const files: Record<string, string> = { '/p/d.js': `${code(10)}\n//# sourceMappingURL=d.js.map\n// a trailing banner\n`, '/p/d.js.map': JSON.stringify(MAP) }
    const reads: string[] = []
    const maps = new SourceMaps({}, { readText: (p) => (reads.push(p), files[p] ?? null) })
    expect(maps.origin('file:///p/d.js')).toBe('file')
    expect(reads).toEqual(['/p/d.js', '/p/d.js.map'])
  })
})
