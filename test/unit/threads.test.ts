/** How a vitest test thread's ending is judged (attribution/threads.ts), on copies of a recorded run. */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { afterEach, beforeEach, expect, test } from 'vitest'
import { readRun } from '../../src/spool/reader.js'
import { buildThreadTree } from '../../src/attribution/threads.js'

const recorded = path.join(import.meta.dirname, '..', 'recorded', 'maps-run')
let run: string
beforeEach(() => {
  run = fs.mkdtempSync(path.join(os.tmpdir(), 'vp-threads-'))
  fs.cpSync(recorded, run, { recursive: true })
  // As vitest leaves its own workers: torn down without exit handlers, so no final chunk and no `end` event.
  const file = path.join(run, 'threads', '21542-0', 'events.ndjson')
  const kept = fs.readFileSync(file, 'utf8').split('\n').filter((l) => !l.includes('"t":"end"') && !l.includes('"reason":"final"'))
  fs.writeFileSync(file, kept.join('\n'))
})
afterEach(() => fs.rmSync(run, { recursive: true, force: true }))

const ending = () => buildThreadTree(readRun(run)).nodes.get('21542-0')!.ending

test('a test thread whose file-end flush came after its last window is complete', () => {
  expect(ending()).toEqual({ status: 'flushed', how: 'file-end' })
})

test('an interval flush after the file-end flush does not make it incomplete (seen on vitest 5)', () => {
  const dir = path.join(run, 'threads', '21542-0')
  const events = fs.readFileSync(path.join(dir, 'events.ndjson'), 'utf8').trimEnd().split('\n')
  const last = JSON.parse(events.filter((l) => l.includes('"t":"chunk"')).pop()!)
  fs.copyFileSync(path.join(dir, last.file), path.join(dir, 'chunk-000009.cpuprofile'))
  events.push(JSON.stringify({ ...last, seq: 9, file: 'chunk-000009.cpuprofile', reason: 'interval', at: last.at + 1000 }))
  fs.writeFileSync(path.join(dir, 'events.ndjson'), events.join('\n') + '\n')
  expect(ending()).toEqual({ status: 'flushed', how: 'file-end' })
})

test('without a file-end flush after its last window it died unflushed', () => {
  const file = path.join(run, 'threads', '21542-0', 'events.ndjson')
  const kept = fs.readFileSync(file, 'utf8').split('\n').filter((l) => !l.includes('"reason":"file-end"'))
  fs.writeFileSync(file, kept.join('\n'))
  expect(ending().status).toBe('unflushed')
})

test('without an end but with its process still alive when read, it is still running, not dead', () => {
  const file = path.join(run, 'threads', '21542-0', 'events.ndjson')
  const kept = fs.readFileSync(file, 'utf8').split('\n').filter((l) => !l.includes('"reason":"file-end"'))
  fs.writeFileSync(file, kept.join('\n'))
  const alive = buildThreadTree(readRun(run, { isAlive: (pid) => pid === 21542 })).nodes.get('21542-0')!.ending
  expect(alive).toEqual({ status: 'flushed', how: 'running' })
  // The default reads no process table: recorded spools read the same on every machine.
  expect(ending().status).toBe('unflushed')
})
