import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { TICK_US, reapedCpu, statFields } from '../../src/agent/proc-stat.js'

// statFields reads a /proc stat line into one buffer, with readFileSync only for a line that fills it. Lines
// written to temporary files, in proc(5)'s layout: pid (comm) state ppid ... utime(14) stime(15) cutime(16)
// cstime(17) ...
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vp-proc-stat-'))
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

function statFile(name: string, comm: string, tail = ''): string {
  // Fields 3..17 after the comm: state, ppid, pgrp, session, tty, tpgid, flags, minflt, cminflt, majflt, cmajflt,
  // utime 7, stime 11, cutime 13, cstime 17.
  const file = path.join(dir, name)
  fs.writeFileSync(file, `4242 (${comm}) S 1 4242 4242 0 -1 4194560 10 20 0 0 7 11 13 17 20 0 1 0 123 ${tail}\n`)
  return file
}

describe('statFields', () => {
  test('sums the named fields, in ticks of USER_HZ, counting fields after the last ")" of the comm', () => {
    const file = statFile('plain', 'node')
    expect(statFields(file, [14, 15])).toBe((7 + 11) * TICK_US)
    expect(statFields(file, [16, 17])).toBe((13 + 17) * TICK_US)
    // A comm may hold spaces and parentheses (it is the process's own choice).
    expect(statFields(statFile('odd', 'a) b (c) d'), [14, 15, 16, 17])).toBe((7 + 11 + 13 + 17) * TICK_US)
  })

  test('a line longer than the buffer is read whole', () => {
    // Its fields lie past the buffer's end: a truncated read would not find them.
    const file = statFile('long', 'x'.repeat(1500))
    expect(fs.statSync(file).size).toBeGreaterThan(1024)
    expect(statFields(file, [16, 17])).toBe((13 + 17) * TICK_US)
  })

  test('null for a file that cannot be read or a field that is not a number', () => {
    expect(statFields(path.join(dir, 'missing'), [14])).toBeNull()
    expect(statFields(statFile('short', 'node'), [60])).toBeNull()
  })
})

describe.skipIf(process.platform !== 'linux')('reapedCpu on this process', () => {
  test('grows by what a reaped child spent', () => {
    const before = reapedCpu()
    expect(before).not.toBeNull()
    // A fixed amount of work (not of time, which a loaded host would stretch): well over 5 ticks of CPU here.
    execFileSync(process.execPath, ['-e', 'let x = 0; for (let i = 0; i < 5e7; i++) x += i'])
    expect(reapedCpu()! - before!).toBeGreaterThanOrEqual(5 * TICK_US)
  })
})
