/**
 * Whether a `lines` budget key names a line that exists: a typo'd path or a line past the end would otherwise
 * never match a sample and pass silently (DESIGN.md "Budget semantics"). Apart from parse.ts's pure validation
 * because it reads the disk and needs the project root (parse.ts re-exports it).
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { LINE_KEY_ACCEPTED, parseLineKey } from './line-key.js'

/**
 * null when `key` ('src/parse.ts:42') names an existing line of a file under `root` (relative to it);
 * otherwise the error message: a malformed key, a missing file, something that is not a file, or a line
 * past the file's end.
 */
export function checkLineExists(key: string, root: string): string | null {
  const where = parseLineKey(key)
  const prefix = `vitest-profiler: budget line '${key}'`
  const tail = `; accepted: ${LINE_KEY_ACCEPTED} naming a line of an existing file.`
  if (!where) return `${prefix} is not ${LINE_KEY_ACCEPTED}.`
  const abs = path.resolve(root, where.file)
  let text: string
  try {
    if (!fs.statSync(abs).isFile()) return `${prefix} names ${abs}, which is not a file${tail}`
    text = fs.readFileSync(abs, 'utf8')
  } catch {
    return `${prefix} names ${abs}, which does not exist${tail}`
  }
  const count = lineCount(text)
  if (where.line > count) {
    return `${prefix} is past the end of ${where.file}, which has ${count} line${count === 1 ? '' : 's'}${tail}`
  }
  return null
}

/** Lines as an editor numbers them: a final newline ends the last line, it does not start another. */
export function lineCount(text: string): number {
  if (text === '') return 0
  const breaks = text.match(/\r\n|\r|\n/g)?.length ?? 0
  return /(?:\r\n|\r|\n)$/.test(text) ? breaks : breaks + 1
}
