/**
 * The spool reader on a recorded run and on damaged copies of it: damage the format allows (a torn last line,
 * a thread that never wrote `end`) is reported on the thread; anything else is an error naming the file, the
 * line where there is one, and what was expected.
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { readRun, SpoolFormatError } from '../../src/spool/reader.js'

const recorded = path.join(import.meta.dirname, '..', 'recorded', 'maps-run')
let run: string
const events = (key: string) => path.join(run, 'threads', key, 'events.ndjson')
const lines = (key: string) => fs.readFileSync(events(key), 'utf8').split('\n').filter(Boolean)
const writeLines = (key: string, ls: string[], trailingNewline = true) => fs.writeFileSync(events(key), ls.join('\n') + (trailingNewline ? '\n' : ''))

beforeEach(() => {
  run = fs.mkdtempSync(path.join(os.tmpdir(), 'vp-reader-'))
  fs.cpSync(recorded, run, { recursive: true })
})
afterEach(() => fs.rmSync(run, { recursive: true, force: true }))

const expectError = (message: string | RegExp) => {
  expect(() => readRun(run)).toThrow(SpoolFormatError)
  expect(() => readRun(run)).toThrow(message)
}

describe('readRun', () => {
  test('reads the recorded run: every thread, its chunks and windows', () => {
    const data = readRun(run)
    expect(data.threads.map((t) => t.key).sort()).toEqual(['21542-0', '21542-1'])
    const main = data.threads.find((t) => t.key === '21542-0')!
    expect(main.chunks.map((c) => c.event.seq)).toEqual([1, 2, 3])
    expect(main.windows.length).toBeGreaterThan(0)
    expect(main.problems).toEqual([])
  })

  test('a torn LAST line (a thread killed mid-write) is tolerated and reported', () => {
    writeLines('21542-1', [...lines('21542-1'), '{"t":"cpu","at":12'], false)
    const t = readRun(run).threads.find((t) => t.key === '21542-1')!
    expect(t.problems).toEqual([expect.stringContaining('last event line was cut short')])
  })

  test('a torn line in the middle is an error with file:line', () => {
    const ls = lines('21542-1')
    writeLines('21542-1', [ls[0]!, '{"t":"cpu","at', ...ls.slice(1)])
    expectError(`${events('21542-1')}:2: not a JSON event line: "{\\"t\\":\\"cpu\\",\\"at"`)
  })

  test('an unknown event type names the accepted ones', () => {
    writeLines('21542-1', [...lines('21542-1'), '{"t":"bogus","at":1}'])
    expectError(/unknown event type "bogus"; accepted: start, role, cpu, chunk, window, spawn, child-exit, child-cpu, spawn-sync, sampling, ready, terminate, worker-exit, end\./)
  })

  test('a missing field names the event and the field', () => {
    writeLines('21542-1', [...lines('21542-1'), '{"t":"cpu","at":1}'])
    expectError(/'cpu' event lacks field 'cpu'\./)
  })

  test('a chunk event whose file is missing', () => {
    fs.rmSync(path.join(run, 'threads', '21542-0', 'chunk-000002.cpuprofile'))
    expectError(/chunk-000002\.cpuprofile: referenced by a chunk event but missing\./)
  })

  test('a profile whose samples and timeDeltas do not pair up', () => {
    const file = path.join(run, 'threads', '21542-0', 'chunk-000001.cpuprofile')
    const p = JSON.parse(fs.readFileSync(file, 'utf8'))
    p.timeDeltas.pop()
    fs.writeFileSync(file, JSON.stringify(p))
    expectError(/samples but \d+ timeDeltas; they must pair up\./)
  })

  test('another spool version is refused with the accepted one', () => {
    const file = path.join(run, 'run.json')
    fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, 'utf8')), version: 99 }))
    expectError(`${file}: spool version 99 is not supported; this reader accepts version 1.`)
  })

  test('a thread folder that does not start with its start event', () => {
    writeLines('21542-1', lines('21542-1').slice(1))
    expectError(/events\.ndjson:1: the first event must be 'start'/)
  })
})
