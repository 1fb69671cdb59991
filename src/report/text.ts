/**
 * Plain-text helpers of the terminal report: figures, widths that ignore colour codes, cutting and wrapping.
 * Every function is pure; widths are in terminal columns (one per UTF-16 unit: the report prints no wide
 * characters of its own).
 */
import type { JsonShare } from './schema.js'

export function fmtUs(us: number): string {
  if (us < 1000) return `${(us / 1000).toFixed(1)}ms`
  if (us < 1_000_000) return `${Math.round(us / 1000)}ms`
  return `${(us / 1_000_000).toFixed(2)}s`
}

export function fmtShare(s: JsonShare): string {
  if (s.value === null) return `inconclusive`
  const half = Math.max(s.high - s.value, s.value - s.low) * 100
  return `${(s.value * 100).toFixed(1)}% ±${half < 10 ? half.toFixed(1) : Math.round(half)}`
}

const ANSI = /\x1b\[[0-9;]*m/g

/** Visible length: colour codes take no column. */
export const visible = (s: string): number => s.replace(ANSI, '').length

/** A line cut to `width` columns, ending in '…' when cut (the colours of a cut line are dropped). */
export function cut(s: string, width: number): string {
  if (visible(s) <= width) return s
  const plain = s.replace(ANSI, '')
  return plain.slice(0, Math.max(0, width - 1)) + '…'
}

export const pad = (s: string, n: number): string => s + ' '.repeat(Math.max(0, n - visible(s)))
export const lpad = (s: string, n: number): string => ' '.repeat(Math.max(0, n - visible(s))) + s

/**
 * Cut from the middle: the start (project, file) and the end (the test's own name) are what tell rows apart;
 * the describe chain between them gives way first. The end keeps the larger part.
 */
export function ellipsizeMiddle(s: string, n: number): string {
  if (s.length <= n) return s
  if (n <= 1) return '…'.slice(0, n)
  const head = Math.floor((n - 1) * 0.4)
  return s.slice(0, head) + '…' + s.slice(s.length - (n - 1 - head))
}

/** Words wrapped to `width`; continuation lines indented by two. */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = []
  let cur = ''
  for (const w of text.split(' ')) {
    if (cur && cur.length + 1 + w.length > width) {
      lines.push(cur)
      cur = '  ' + w
    } else cur = cur ? `${cur} ${w}` : w
  }
  if (cur) lines.push(cur)
  return lines
}

export function commonDir(paths: string[]): string {
  const parts = paths.map((p) => p.split('/'))
  const first = parts[0]!
  let n = 0
  while (n < first.length - 1 && parts.every((p) => p[n] === first[n])) n++
  return first.slice(0, n).join('/') + '/'
}
