/**
 * Agent-side writer of one thread's spool folder (format.ts). Synchronous on purpose: it must work inside
 * exit handlers, signal handlers and inspector interrupts, where nothing asynchronous ever completes.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { EVENTS_FILE, THREADS_DIR, chunkFileName, type SpoolEvent, type ThreadKey, type V8Profile } from './format.js'

export class ThreadSpoolWriter {
  readonly dir: string
  private fd: number | null
  private nextSeq = 1

  constructor(runDir: string, key: ThreadKey) {
    this.dir = path.join(runDir, THREADS_DIR, key)
    fs.mkdirSync(this.dir, { recursive: true })
    // 'a': every write lands at the end even if two handles exist (a worker re-using the key is impossible,
    // but O_APPEND keeps each line whole on POSIX for writes below PIPE_BUF-sized chunks anyway).
    this.fd = fs.openSync(path.join(this.dir, EVENTS_FILE), 'a')
  }

  append(event: SpoolEvent): void {
    if (this.fd === null) return
    try {
      fs.writeSync(this.fd, JSON.stringify(event) + '\n')
    } catch {
      // The output dir vanished (cleanup by a newer run) or the disk is full: profiling must never throw
      // into user code. The reader reports the thread as unflushed.
    }
  }

  /** Writes the profile to a temporary name, renames it into place, and returns the chunk's file name. */
  writeChunk(profile: V8Profile): { seq: number; file: string } {
    const seq = this.nextSeq++
    const file = chunkFileName(seq)
    const tmp = path.join(this.dir, `${file}.tmp`)
    fs.writeFileSync(tmp, JSON.stringify(profile))
    fs.renameSync(tmp, path.join(this.dir, file))
    return { seq, file }
  }

  close(): void {
    if (this.fd === null) return
    try {
      fs.closeSync(this.fd)
    } catch {}
    this.fd = null
  }
}
