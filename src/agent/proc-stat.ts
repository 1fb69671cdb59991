/**
 * The OS's CPU of processes, from Linux's /proc (the only source for a child that runs no agent of ours): used
 * by child-cpu.ts (the profile's record of children) and meter.ts (budgets). null wherever there is no /proc.
 */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs'
import { builtinExports } from './builtin.js'

/**
 * Clock ticks per second of /proc's CPU fields: USER_HZ, which is 100 on every Linux architecture Node runs on
 * (x64, arm64, arm, ppc64, s390x, riscv64, loong64; `getconf CLK_TCK` printed 100 here). Node cannot call
 * sysconf(), and spawning `getconf` from every agent would cost a process per thread.
 */
export const TICK_US = 10_000
let cores = 0
/**
 * The machine's cores: no child can have spent more than all of them for the whole window. Loaded at first use:
 * `node:os` is not otherwise loaded in a worker thread, and a static import cost every worker 0.9 ms of CPU
 * (the meter's preload is in every thread of a budgets-only run; bench/meter-cost.mjs).
 */
export function coreCount(): number {
  if (cores === 0) {
    const os = builtinExports<typeof import('node:os')>('node:os')
    cores = (os.availableParallelism?.() ?? os.cpus().length) || 1
  }
  return cores
}

/**
 * A stat line (one line of ~300 bytes; 1 KB leaves room for a long comm and big counters), read into one buffer:
 * readFileSync of a /proc file (size 0) reads in a loop and concatenates, 76 us a call here, against 11 us for
 * open + read + close (1000 calls each, Node 20). The file is not kept open: a thread's fd would outlive a
 * terminated worker (no exit handler runs there), and pools start and end many.
 */
const line = Buffer.allocUnsafe(1024)

function readStat(file: string): string | null {
  try {
    const fd = openSync(file, 'r')
    try {
      const n = readSync(fd, line, 0, line.length, 0)
      return n < line.length ? line.toString('latin1', 0, n) : readFileSync(file, 'latin1')
    } finally {
      closeSync(fd)
    }
  } catch {
    return null
  }
}

/** CPU (us) of a /proc stat file's fields, numbered as in proc(5); null when the file cannot be read. */
export function statFields(file: string, fields: number[]): number | null {
  const text = readStat(file)
  if (text === null) return null
  // Field 2 (comm) is in parentheses and may hold spaces and ')': fields 3.. follow the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ')
  let ticks = 0
  for (const f of fields) {
    const v = Number(rest[f - 3])
    if (!Number.isFinite(v)) return null
    ticks += v
  }
  return ticks * TICK_US
}

/** CPU of this process's reaped children so far (cutime + cstime), us; null off Linux. */
export const reapedCpu = (): number | null => statFields('/proc/self/stat', [16, 17])
/** CPU of a live child and the descendants it reaped (utime + stime + cutime + cstime), us. */
export const liveCpu = (pid: number): number | null => statFields(`/proc/${pid}/stat`, [14, 15, 16, 17])

