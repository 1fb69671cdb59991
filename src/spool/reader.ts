/**
 * Reads and validates a run directory (format.ts). Every problem names the file, the line where there is one,
 * and what was expected. Damage that the format allows (a torn last line after a SIGKILL, a thread that never
 * wrote its `end`) is reported on the thread, not thrown; anything else throws SpoolFormatError.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {
  EVENTS_FILE,
  RUN_MANIFEST_FILE,
  SPOOL_VERSION,
  THREADS_DIR,
  type ChildCpuEvent,
  type ChildExitEvent,
  type ChunkEvent,
  type CpuEvent,
  type EndEvent,
  type RoleEvent,
  type RunManifest,
  type ReadyEvent,
  type SamplingEvent,
  type TerminateEvent,
  type WorkerExitEvent,
  type SpawnEvent,
  type SpoolEvent,
  type StartEvent,
  type SyncSpawnEvent,
  type ThreadKey,
  type V8Profile,
  type WindowEvent,
} from './format.js'

export class SpoolFormatError extends Error {
  override name = 'SpoolFormatError'
}

export interface ThreadChunk {
  event: ChunkEvent
  profile: V8Profile
}

export interface ThreadRecord {
  key: ThreadKey
  dir: string
  start: StartEvent
  role: RoleEvent | null
  cpu: CpuEvent[]
  chunks: ThreadChunk[]
  windows: WindowEvent[]
  spawns: SpawnEvent[]
  childExits: ChildExitEvent[]
  /** OS CPU readings of live children that are not Node (agent/child-cpu.ts). */
  childCpu: ChildCpuEvent[]
  /** Synchronous spawns, with their OS CPU. */
  syncSpawns: SyncSpawnEvent[]
  /** Idle pauses of sampling and their ends, in order (agent/idle.ts). */
  sampling: SamplingEvent[]
  /** When the agent was fully installed (null: the thread ended during the agent's start). */
  ready: ReadyEvent | null
  /** Workers this thread called terminate() on. */
  terminations: TerminateEvent[]
  /** Workers of this thread that exited, with their exit codes. */
  workerExits: WorkerExitEvent[]
  end: EndEvent | null
  /** Notes on tolerated damage (torn last line), for the report. */
  problems: string[]
  /** Its process was still alive when the run was read (only with ReadOptions.isAlive). */
  runningAtRead?: boolean
}

export interface RunData {
  runDir: string
  manifest: RunManifest
  threads: ThreadRecord[]
  /** Thread folders whose events file is empty: the thread ended before its agent wrote anything. */
  empty: ThreadKey[]
}

export interface ReadOptions {
  /**
   * Whether a process is still alive as the run is read (the reporter passes an OS check; off by default, so
   * that recorded spools read the same everywhere). A thread without an `end` whose process is alive is still
   * running, not dead: see `ThreadRecord.runningAtRead`.
   */
  isAlive?: (pid: number) => boolean
}

export function readRun(runDir: string, options: ReadOptions = {}): RunData {
  const manifest = readManifest(runDir)
  const threadsDir = path.join(runDir, THREADS_DIR)
  let keys: string[] = []
  try {
    keys = fs.readdirSync(threadsDir).sort()
  } catch {
    // A run in which no thread started (nothing profiled yet) has no threads folder.
  }
  const threads: ThreadRecord[] = []
  const empty: ThreadKey[] = []
  for (const key of keys.filter((k) => /^\d+-\d+$/.test(k))) {
    const dir = path.join(threadsDir, key)
    // A thread ended (terminated, out of memory) between creating its folder and writing its first event: it
    // ran no user code under the agent and has nothing to read. One such folder must not cost the whole run its
    // report (seen on a suite that terminates workers right after creating them).
    if (isEmptyThread(dir)) empty.push(key)
    else {
      const record = readThread(dir, key)
      if (!record.end && options.isAlive && record.start.pid !== process.pid) record.runningAtRead = options.isAlive(record.start.pid)
      threads.push(record)
    }
  }
  return { runDir, manifest, threads, empty }
}

/** No events file yet, or an empty one: the thread died between creating its folder and its first event. */
function isEmptyThread(dir: string): boolean {
  try {
    return fs.statSync(path.join(dir, EVENTS_FILE)).size === 0
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT'
  }
}

export function readManifest(runDir: string): RunManifest {
  const file = path.join(runDir, RUN_MANIFEST_FILE)
  let raw: string
  try {
    raw = fs.readFileSync(file, 'utf8')
  } catch {
    throw new SpoolFormatError(`${file}: missing. A run directory holds run.json, written when the run starts.`)
  }
  let manifest: RunManifest
  try {
    manifest = JSON.parse(raw)
  } catch (err) {
    throw new SpoolFormatError(`${file}: not valid JSON (${(err as Error).message}).`)
  }
  if (manifest?.version !== SPOOL_VERSION) {
    throw new SpoolFormatError(
      `${file}: spool version ${JSON.stringify(manifest?.version)} is not supported; this reader accepts version ${SPOOL_VERSION}.`,
    )
  }
  for (const k of ['runId', 'startUs', 'config'] as const) {
    if (manifest[k] === undefined) throw new SpoolFormatError(`${file}: field '${k}' is missing.`)
  }
  return manifest
}

const REQUIRED: Record<SpoolEvent['t'], string[]> = {
  start: ['v', 'pid', 'threadId', 'isMainThread', 'intervalUs', 'cpuClock'],
  role: ['role'],
  cpu: ['cpu'],
  chunk: ['seq', 'file', 'from', 'to', 'samples', 'cpu'],
  window: ['testId', 'name', 'file', 'start', 'end', 'cpuStart', 'cpuEnd', 'concurrent'],
  spawn: ['kind'],
  'child-exit': ['pid'],
  'child-cpu': ['pid', 'cpu'],
  'spawn-sync': ['start', 'command'],
  sampling: ['on', 'cpu'],
  ready: [],
  terminate: ['threadId'],
  'worker-exit': ['threadId', 'code'],
  end: ['how'],
}

export function readThread(dir: string, key: ThreadKey): ThreadRecord {
  const file = path.join(dir, EVENTS_FILE)
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch {
    throw new SpoolFormatError(`${file}: missing. Every thread folder starts with its events file.`)
  }
  const lines = text.split('\n')
  const tornTail = lines[lines.length - 1] !== ''
  if (!tornTail) lines.pop()
  const problems: string[] = []
  const events: SpoolEvent[] = []
  lines.forEach((line, i) => {
    const where = `${file}:${i + 1}`
    let event: SpoolEvent
    try {
      event = JSON.parse(line)
    } catch {
      if (i === lines.length - 1 && tornTail) {
        problems.push(`last event line was cut short (the thread died while writing it): ${JSON.stringify(line.slice(0, 60))}`)
        return
      }
      throw new SpoolFormatError(`${where}: not a JSON event line: ${JSON.stringify(line.slice(0, 80))}.`)
    }
    const required = REQUIRED[event?.t as SpoolEvent['t']]
    if (!required) {
      throw new SpoolFormatError(`${where}: unknown event type ${JSON.stringify(event?.t)}; accepted: ${Object.keys(REQUIRED).join(', ')}.`)
    }
    if (typeof event.at !== 'number') throw new SpoolFormatError(`${where}: '${event.t}' event has no numeric 'at' (microseconds).`)
    for (const field of required) {
      if ((event as unknown as Record<string, unknown>)[field] === undefined) {
        throw new SpoolFormatError(`${where}: '${event.t}' event lacks field '${field}'.`)
      }
    }
    events.push(event)
  })
  const start = events[0]
  if (!start || start.t !== 'start') throw new SpoolFormatError(`${file}:1: the first event must be 'start', got ${JSON.stringify(start?.t ?? 'nothing')}.`)
  if (start.v !== SPOOL_VERSION) throw new SpoolFormatError(`${file}:1: spool version ${start.v} is not supported; accepted: ${SPOOL_VERSION}.`)
  const record: ThreadRecord = { key, dir, start, role: null, cpu: [], chunks: [], windows: [], spawns: [], childExits: [], childCpu: [], syncSpawns: [], sampling: [], ready: null, terminations: [], workerExits: [], end: null, problems }
  let lastSeq = 0
  let lastCpu = -Infinity
  for (const e of events.slice(1)) {
    switch (e.t) {
      case 'start':
        throw new SpoolFormatError(`${file}: a second 'start' event; a thread folder holds exactly one thread.`)
      case 'role':
        record.role = e
        break
      case 'cpu':
        if (e.cpu < lastCpu) problems.push(`CPU clock went backwards at ${e.at} us (${lastCpu} -> ${e.cpu}); reading ignored`)
        else record.cpu.push(e)
        lastCpu = Math.max(lastCpu, e.cpu)
        break
      case 'chunk': {
        if (e.seq <= lastSeq) throw new SpoolFormatError(`${file}: chunk seq ${e.seq} after ${lastSeq}; seq must increase.`)
        lastSeq = e.seq
        record.chunks.push({ event: e, profile: readProfile(path.join(dir, e.file)) })
        break
      }
      case 'window':
        if (e.end < e.start) throw new SpoolFormatError(`${file}: window of test ${e.testId} ends (${e.end}) before it starts (${e.start}).`)
        record.windows.push(e)
        break
      case 'spawn':
        record.spawns.push(e)
        break
      case 'child-exit':
        record.childExits.push(e)
        break
      case 'child-cpu':
        record.childCpu.push(e)
        break
      case 'spawn-sync':
        record.syncSpawns.push(e)
        break
      case 'sampling':
        record.sampling.push(e)
        break
      case 'ready':
        record.ready = e
        break
      case 'terminate':
        record.terminations.push(e)
        break
      case 'worker-exit':
        record.workerExits.push(e)
        break
      case 'end':
        record.end = e
        break
    }
  }
  trimOverlaps(record.chunks)
  return record
}

function readProfile(file: string): V8Profile {
  let profile: V8Profile
  try {
    profile = JSON.parse(fs.readFileSync(file, 'utf8'))
  } catch (err) {
    throw new SpoolFormatError(`${file}: referenced by a chunk event but ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : `not valid JSON (${(err as Error).message})`}.`)
  }
  if (!Array.isArray(profile?.nodes) || typeof profile.startTime !== 'number') {
    throw new SpoolFormatError(`${file}: not a V8 CPU profile (needs 'nodes' array and numeric 'startTime').`)
  }
  const n = profile.samples?.length ?? 0
  if ((profile.timeDeltas?.length ?? 0) !== n) {
    throw new SpoolFormatError(`${file}: ${n} samples but ${profile.timeDeltas?.length ?? 0} timeDeltas; they must pair up.`)
  }
  return profile
}

/**
 * Rotation starts profile N+1 before it stops profile N, so both hold the samples of that short overlap.
 * Keep them in N and drop them from N+1 (the first delta of N+1 is re-based onto its new first sample).
 */
function trimOverlaps(chunks: ThreadChunk[]): void {
  let lastTs = -Infinity
  for (const { profile } of chunks) {
    const samples = profile.samples ?? []
    const deltas = profile.timeDeltas ?? []
    let ts = profile.startTime
    let drop = 0
    for (let i = 0; i < samples.length; i++) {
      ts += deltas[i]!
      if (ts <= lastTs) drop = i + 1
      else break
    }
    if (drop > 0) {
      let skipped = profile.startTime
      for (let i = 0; i < drop; i++) skipped += deltas[i]!
      profile.samples = samples.slice(drop)
      profile.timeDeltas = deltas.slice(drop)
      if (profile.timeDeltas.length) profile.timeDeltas[0]! += skipped - profile.startTime
    }
    let end = profile.startTime
    for (const d of profile.timeDeltas ?? []) end += d
    if ((profile.samples?.length ?? 0) > 0) lastTs = Math.max(lastTs, end)
  }
}
