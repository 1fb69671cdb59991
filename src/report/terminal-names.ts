/**
 * A test's name on the terminal: `project › file › describe › … › test`, fitted to a width so that the rows of
 * a table stay told apart (issue #10.5). Giving way, in order: the file's folders, the describe chain from its
 * outermost block, then the middle of the test's own name. Rows that still read the same keep the part where
 * their full names differ.
 */
import type { JsonBucket } from './schema.js'
import { ellipsizeMiddle } from './text.js'

export const SEP = ' › '
const GAP = '…'

export interface NameParts {
  project: string | null
  file: string | null
  suite: string[]
  /** The test's own name (no describe chain), or what an outside-tests row is. */
  test: string
}

export function nameParts(t: Pick<JsonBucket, 'project' | 'file' | 'name' | 'suite'>): NameParts {
  // vitest's name of a test in a describe is `describe > test`; the suite holds the chain apart.
  const prefix = t.suite.length ? `${t.suite.join(' > ')} > ` : ''
  const own = prefix && t.name.startsWith(prefix) ? t.name.slice(prefix.length) : t.name
  return { project: t.project || null, file: t.file, suite: prefix ? t.suite : [], test: own }
}

/** `project › file › describe › test`: the full name (schema.ts has the parts). */
export function testLabel(t: Pick<JsonBucket, 'project' | 'file' | 'name' | 'suite'>): string {
  return join(nameParts(t), t.file ?? '')
}

function join(p: NameParts, file: string, suite: string[] = p.suite, test = p.test): string {
  return [...(p.project ? [p.project] : []), ...(file ? [file] : []), ...suite, test].join(SEP)
}

const base = (file: string | null) => (file ? file.slice(file.lastIndexOf('/') + 1) : '')

/** A file's row that is not a test (`file › (import, collection, hooks)`): the file gives way, the label not. */
export function fitFileRow(file: string, label: string, width: number): string {
  const full = `${file}${SEP}${label}`
  if (full.length <= width) return full
  return fitSegments([base(file), label], width, ['file', 'test'], ['file', ['file', 1], 'test'])
}

/** The most telling form of one name that fits `width`. */
export function fitName(p: NameParts, width: number): string {
  const full = join(p, p.file ?? '')
  if (full.length <= width) return full
  const file = base(p.file)
  const tries = [join(p, file)]
  for (let drop = 1; drop <= p.suite.length; drop++) tries.push(join(p, file, [GAP, ...p.suite.slice(drop)]))
  for (const t of tries) if (t.length <= width) return t
  // The test's own name tells most rows apart: it gives way by a little first, then the file's name, then the
  // test's again (the sections below the table give the full names).
  const suite = p.suite.length ? [GAP] : []
  return fitSegments([...(p.project ? [p.project] : []), ...(file ? [file] : []), ...suite, p.test], width, roles(p, suite), [['test', Math.max(MIN_SEGMENT, Math.ceil(p.test.length * 0.6))], 'file', ['test', 18], ['file', 1], 'test', 'project'])
}

/**
 * Every row's name fitted to its width (one for all, or one per row); rows whose fitted names collide while
 * their full names differ keep the first part where they differ (a describe, most often), each part cut in its
 * middle to share the room.
 */
export function fitNames(rows: NameParts[], widths: number | number[]): string[] {
  const widthOf = (i: number) => (typeof widths === 'number' ? widths : widths[i]!)
  const fitted = rows.map((p, i) => fitName(p, widthOf(i)))
  const byName = new Map<string, number[]>()
  fitted.forEach((n, i) => byName.set(n, [...(byName.get(n) ?? []), i]))
  for (const group of byName.values()) {
    const fulls = new Set(group.map((i) => join(rows[i]!, rows[i]!.file ?? '')))
    if (group.length < 2 || fulls.size < 2) continue
    for (const i of group) fitted[i] = keepDifference(rows[i]!, group.map((j) => rows[j]!), widthOf(i))
  }
  return fitted
}

/**
 * A name that keeps, of its describe chain, the blocks that tell it apart from each other row of its group
 * (for each other row, the first part where they differ); the rest of the chain is a '…'.
 */
function keepDifference(p: NameParts, group: NameParts[], width: number): string {
  const parts = (q: NameParts) => [q.project ?? '', q.file ?? '', ...q.suite, q.test]
  const mine = parts(p)
  const keep = new Set<number>()
  for (const q of group) {
    if (q === p) continue
    const theirs = parts(q)
    const d = mine.findIndex((m, k) => theirs[k] !== m)
    if (d >= 2 && d < mine.length - 1) keep.add(d - 2)
  }
  const suite: string[] = []
  p.suite.forEach((s, i) => {
    if (keep.has(i)) suite.push(s)
    else if (suite.at(-1) !== GAP) suite.push(GAP)
  })
  // The rows of the group share the file: it goes before the describes that tell them apart.
  return fitSegments([...(p.project ? [p.project] : []), ...(p.file ? [base(p.file)] : []), ...suite, p.test], width, roles(p, suite), ['file', ['file', 1], 'suite', 'test', 'project'])
}

type Role = 'project' | 'file' | 'suite' | 'test'
const roles = (p: NameParts, suite: string[]): Role[] => [...(p.project ? (['project'] as const) : []), ...(p.file ? (['file'] as const) : []), ...suite.map(() => 'suite' as const), 'test']

/**
 * Segments joined by SEP, fitted by cutting them in their middle, role by role in `order` (a role alone: down
 * to MIN_SEGMENT characters; with a number: down to that many, 1 being a '…'), until the whole fits.
 */
const MIN_SEGMENT = 6
function fitSegments(segments: string[], width: number, roleOf: Role[], order: (Role | [Role, number])[]): string {
  const segs = [...segments]
  // Adjacent gaps print as one.
  const shown = () => segs.filter((x, i) => x !== GAP || segs[i - 1] !== GAP)
  const length = () => shown().reduce((n, s) => n + s.length, 0) + SEP.length * (shown().length - 1)
  const shrink = (role: Role, min = MIN_SEGMENT) => {
    for (let i = 0; i < segs.length && length() > width; i++) {
      if (roleOf[i] !== role || segs[i] === GAP || segs[i]!.length <= min) continue
      const cutTo = Math.max(min, segs[i]!.length - (length() - width))
      // Asked to go down to a gap: two or three characters of a file's name say nothing, so a gap it is.
      segs[i] = min === 1 && cutTo <= 3 ? GAP : ellipsizeMiddle(segments[i]!, cutTo)
    }
  }
  for (const step of order) typeof step === 'string' ? shrink(step) : shrink(...step)
  const joined = shown().join(SEP)
  return joined.length <= width ? joined : ellipsizeMiddle(joined, width)
}
