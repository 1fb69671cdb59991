/**
 * The baseline's file access, the only IO of the gate: read (a missing file is not an error, the gate then has
 * nothing to compare and says so) and write (atomically: a run killed mid-write must not leave a torn
 * baseline in the working tree, where it would be committed).
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { serializeBaseline, type Baseline } from './baseline.js'
import { parseBaseline } from './baseline-parse.js'

export type BaselineRead = { baseline: Baseline } | { error: string } | { missing: true }

/** `source` is the path as the user gave it (for messages); `file` is where it is. */
export function readBaselineFile(file: string, source: string = file): BaselineRead {
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return { missing: true }
    return { error: `vitest-profiler: baseline ${source}: cannot be read (${code ?? (err as Error).message})` }
  }
  return parseBaseline(text, source)
}

export function writeBaselineFile(file: string, baseline: Baseline): void {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  const tmp = `${file}.${process.pid}.tmp`
  fs.writeFileSync(tmp, serializeBaseline(baseline))
  fs.renameSync(tmp, file)
}
