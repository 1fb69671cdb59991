/**
 * CPU of the child processes a thread creates, from the OS. A child that is not Node (esbuild, sh, a compiler)
 * runs no agent: no samples and no clock of its own reach the spool, and without this it vanished from the
 * report (issue 9: esbuild spawned 92 times per run, about 14% of a build's CPU). Node children that run an
 * agent report their own clocks; the reader ignores what is recorded here for them (threads.ts).
 *
 * Linux (measured on Node 20, kernel with USER_HZ 100):
 * - a live child: `/proc/<pid>/stat` utime + stime + cutime + cstime (fields 14-17: the child and the
 *   descendants it reaped), read on the agent's timer while a child that is not Node lives: a long-lived child
 *   (esbuild's service process) works for many tests and only exits with its parent, so its exit alone would
 *   never give its CPU, nor say which test it worked for;
 * - at its exit: what the child's total added to this process's cutime + cstime (`/proc/self/stat` fields 16-17,
 *   CPU of reaped children): libuv reaps the child and runs its 'exit' callback in one go, so no JS of this
 *   thread runs between the two. Children of other threads reaped meanwhile would be counted too; the readings
 *   on every tick and the bound below keep that small;
 * - a synchronous spawn (spawnSync, execSync, execFileSync): the same growth around the call, which reaps the
 *   child before it returns.
 * Elsewhere there is no such file: `cpu: null`, and the report says the CPU is unknown (wall time only).
 */
import { syncBuiltinESMExports } from 'node:module'
import { builtinExports } from './builtin.js'
import { nowUs } from '../spool/format.js'
import type { ThreadAgent } from './thread-agent.js'
import { debug } from './debug.js'

import { TICK_US, coreCount, liveCpu, reapedCpu } from './proc-stat.js'

export const hasOsChildClock = reapedCpu() !== null

interface Tracked {
  pid: number
  /** Not Node by its command: polled and recorded (a Node child's agent reports its own clocks). */
  native: boolean
  spawnedAt: number
  lastCpu: number
  /** Last value written as a `child-cpu` event. */
  written: number
}

/** One per thread: the children it created that still live, and its last reading of the reaped-children clock. */
export class ChildCpu {
  private readonly live = new Map<number, Tracked>()
  /** CPU a same-pass exit already assigned to a sibling reaped with it (see exited()). */
  private readonly pending = new Map<number, number>()
  private reaped: number | null = null

  constructor(private readonly agent: ThreadAgent) {
    if (!hasOsChildClock) return
    const poll = () => this.poll()
    agent.onTick.push(poll)
    agent.onPause.push(poll)
    agent.onResume.push(poll)
  }

  /** A child process was spawned (asynchronously): track it until its exit. */
  spawned(pid: number, native: boolean): void {
    if (!hasOsChildClock) return
    if (this.live.size === 0) this.reaped = reapedCpu()
    this.live.set(pid, { pid, native, spawnedAt: nowUs(), lastCpu: 0, written: 0 })
  }

  /** The child's total CPU at its exit (us), null when unknown. Call from its 'exit' event. */
  exited(pid: number): number | null {
    const me = this.live.get(pid)
    this.live.delete(pid)
    if (!me) return null
    const assigned = this.pending.get(pid)
    if (assigned !== undefined) {
      this.pending.delete(pid)
      return assigned
    }
    const now = reapedCpu()
    if (now === null || this.reaped === null) return null
    const delta = Math.max(0, now - this.reaped)
    this.reaped = now
    // Children reaped in the same libuv pass as this one have no /proc entry left but their 'exit' has not run
    // yet: the growth holds them too. Each gets its last reading plus an even part of the rest.
    const siblings = [...this.live.values()].filter((t) => liveCpu(t.pid) === null)
    const group = [me, ...siblings]
    const rest = Math.max(0, delta - group.reduce((s, t) => s + t.lastCpu, 0)) / group.length
    for (const s of siblings) this.pending.set(s.pid, this.bound(s, s.lastCpu + rest))
    const total = this.bound(me, group.length > 1 ? me.lastCpu + rest : delta)
    debug('child-cpu', `${pid} exited: ${(total / 1000).toFixed(0)} ms cpu${group.length > 1 ? ` (reaped with ${siblings.length} more)` : ''}`)
    return total
  }

  /**
   * A child's total is at least its last reading and at most what all cores could do in its life (+ one tick).
   * Not "since its last reading": the CPU of descendants it has not reaped yet (`sh -c 'cc …'` while `cc` runs) is
   * in no reading of it, and joins its total only at its exit (measured: a shell whose Node child burned 300 ms
   * read 0 until it exited).
   */
  private bound(t: Tracked, cpu: number): number {
    return Math.min(Math.max(cpu, t.lastCpu), (nowUs() - t.spawnedAt) * coreCount() + TICK_US)
  }

  /** Reads every live child while one that is not Node lives; records those that grew. */
  private poll(): void {
    if (this.agent.isEnded || ![...this.live.values()].some((t) => t.native)) return
    // Children of other threads reaped since the last reading are no child of ours: move past them.
    this.reaped = reapedCpu()
    const at = nowUs()
    for (const t of this.live.values()) {
      const cpu = liveCpu(t.pid)
      if (cpu === null) continue
      t.lastCpu = cpu
      if (t.native && cpu - t.written >= TICK_US) {
        t.written = cpu
        this.agent.append({ t: 'child-cpu', at, pid: t.pid, cpu })
      }
    }
  }

  /**
   * Records the synchronous spawns (spawnSync, execSync, execFileSync): they reach a native binding without
   * ChildProcess.prototype.spawn. Wraps the exports (over propagation.ts's wrappers, which edit the child's env;
   * these only time the call), once per thread.
   */
  wrapSyncSpawns(): void {
    const cp = builtinExports('node:child_process')
    if (cp[SYNC_PATCHED]) return
    cp[SYNC_PATCHED] = true
    for (const name of ['spawnSync', 'execSync', 'execFileSync'] as const) {
      const original = cp[name] as (...args: unknown[]) => unknown
      const self = this
      cp[name] = function timedSpawn(this: unknown, ...args: unknown[]) {
        if (self.agent.isEnded) return original.apply(this, args)
        const start = nowUs()
        const before = reapedCpu()
        let result: unknown
        let failure: unknown
        let threw = false
        try {
          result = original.apply(this, args)
        } catch (err) {
          failure = err
          threw = true
        }
        try {
          self.recordSync(name, args, start, before, (threw ? failure : result) as SyncOutcome, threw)
        } catch (err) {
          debug('child-cpu', `sync spawn not recorded: ${String(err)}`)
        }
        if (threw) throw failure
        return result
      }
    }
    try {
      syncBuiltinESMExports()
    } catch {}
  }

  private recordSync(name: string, args: unknown[], start: number, before: number | null, outcome: SyncOutcome, threw: boolean): void {
    const end = nowUs()
    const after = reapedCpu()
    let cpu: number | null = null
    if (before !== null && after !== null) {
      // The thread was blocked in the call: only another thread's children can have been reaped meanwhile.
      cpu = Math.min(Math.max(0, after - before), (end - start) * coreCount() + TICK_US)
      if (this.reaped !== null) this.reaped = after
    }
    const [file, rest, options] = args
    // execSync runs its command through a shell, as Node does it: `options.shell` or /bin/sh (cmd.exe on Windows).
    const opts = (name === 'execSync' ? rest : Array.isArray(rest) ? options : rest) as { shell?: unknown } | undefined
    const shell = typeof opts?.shell === 'string' ? opts.shell : process.platform === 'win32' ? (process.env.ComSpec ?? 'cmd.exe') : '/bin/sh'
    const argv = name === 'execSync' ? [shell, process.platform === 'win32' ? '/d /s /c' : '-c', file] : [file, ...(Array.isArray(rest) ? rest : [])]
    const command = argv.map(String).join(' ').slice(0, 300)
    // execSync / execFileSync return only the output on success (exit code 0), and throw otherwise.
    const o: Exclude<SyncOutcome, null | undefined> = name === 'spawnSync' || threw ? (outcome && typeof outcome === 'object' ? outcome : {}) : { status: 0 }
    this.agent.append({
      t: 'spawn-sync',
      at: end,
      start,
      command,
      ...(typeof o.pid === 'number' && o.pid > 0 ? { pid: o.pid } : {}),
      code: typeof o.status === 'number' ? o.status : null,
      signal: typeof o.signal === 'string' ? o.signal : null,
      cpu,
    })
  }
}

/** spawnSync's result, or the error execSync / execFileSync throw (it carries the same fields). */
type SyncOutcome = { pid?: unknown; status?: unknown; signal?: unknown } | null | undefined

const SYNC_PATCHED = Symbol.for('vitest-profiler.sync-spawn-timed')
