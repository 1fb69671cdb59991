/**
 * Waits, briefly, for the test processes still finishing when the run ends.
 *
 * Why: a child process that a test left running (a tinypool child_process pool never destroyed) is ended by
 * its parent's teardown at about the time vitest reports the run's end; reading the spool at that instant
 * reported such children as "ended without flushing" although their final flush and `end` came a few ms
 * later (seen on the many-threads bench: the `end` event written after the report had read the folder).
 * Only processes that are not vitest's own workers count (those live on until vitest closes them, after this
 * report), and only while their pid is alive: a dead one is reported as it is.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { EVENTS_FILE, THREADS_DIR } from '../spool/format.js'

const POLL_MS = 25

export async function settleChildren(runDir: string, maxMs: number): Promise<number> {
  const started = performance.now()
  while (performance.now() - started < maxMs) {
    if (!finishing(runDir).length) break
    await new Promise((r) => setTimeout(r, POLL_MS))
  }
  return performance.now() - started
}

/** Main threads of live processes, other than vitest's workers and this one, whose spool has no `end` yet. */
function finishing(runDir: string): number[] {
  const dir = path.join(runDir, THREADS_DIR)
  let keys: string[] = []
  try {
    keys = fs.readdirSync(dir).filter((k) => /^\d+-0$/.test(k))
  } catch {
    return []
  }
  const out: number[] = []
  for (const key of keys) {
    const pid = Number(key.slice(0, -2))
    if (pid === process.pid || !processAlive(pid)) continue
    const text = tail(path.join(dir, key, EVENTS_FILE))
    if (text.includes('"t":"end"') || text.includes('"t":"role"')) continue
    // The role event may be far from the tail: a test process with windows is vitest's.
    if (text.includes('"t":"window"') || head(path.join(dir, key, EVENTS_FILE)).includes('"t":"role"')) continue
    out.push(pid)
  }
  return out
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function readAt(file: string, fromEnd: boolean): string {
  let fd: number | null = null
  try {
    fd = fs.openSync(file, 'r')
    const size = fs.fstatSync(fd).size
    const len = Math.min(size, 2048)
    const buf = Buffer.alloc(len)
    fs.readSync(fd, buf, 0, len, fromEnd ? size - len : 0)
    return buf.toString('utf8')
  } catch {
    return ''
  } finally {
    if (fd !== null) fs.closeSync(fd)
  }
}
const tail = (file: string) => readAt(file, true)
const head = (file: string) => readAt(file, false)
