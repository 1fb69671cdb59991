/**
 * The watchdog's call (onMainBusy) runs inside the main thread as a V8 interrupt, so it can land anywhere,
 * Node's own tick processing included. It must schedule nothing through Node's JS queues: in CI a forked child
 * stopped answering its parent after the call queued a process.nextTick from inside processPromiseRejections
 * (Node then marked "no tick scheduled" with one queued, and every later nextTick, IPC 'message' events among
 * them, waited for ever). The call still has to switch the signal handlers off at once and back on when the
 * event loop turns.
 *
 * The interrupt's timing cannot be forced, so this calls onMainBusy the way the interrupt does (from running
 * code) with Node's scheduling functions wrapped, preloaded before the agent so that the agent captures the
 * wrappers.
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { createRun } from '../../src/plugin/run-dir.js'
import { resolveOptions } from '../../src/plugin/options.js'
import { AGENT_GLOBAL } from '../../src/agent/global.js'
import { pointAtBuiltAgent, runNode } from '../helpers/agent-node.js'

let root: string
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'vp-interrupts-'))
})
afterEach(() => fs.rmSync(root, { recursive: true, force: true }))

const SPY = `
globalThis.__vpScheduled = []
for (const [owner, name] of [[process, 'nextTick'], [globalThis, 'queueMicrotask'], [globalThis, 'setImmediate'], [globalThis, 'setTimeout']]) {
  const original = owner[name]
  owner[name] = function (...args) {
    if (globalThis.__vpInCall) globalThis.__vpScheduled.push(name)
    return original.apply(this, args)
  }
}
`

const SCRIPT = `
const agent = process[Symbol.for(${JSON.stringify(AGENT_GLOBAL)})]
if (!agent) { console.log('{"error":"no agent"}'); process.exit(0) }
const before = process.listenerCount('SIGTERM')
globalThis.__vpInCall = true
agent.onMainBusy()
globalThis.__vpInCall = false
const during = process.listenerCount('SIGTERM')
setTimeout(() => {
  console.log(JSON.stringify({ scheduled: globalThis.__vpScheduled, before, during, after: process.listenerCount('SIGTERM') }))
}, 20)
`

describe('the agent inside an interrupt', () => {
  test("the watchdog's call switches the signal handlers off and schedules nothing in Node's queues", () => {
    const run = createRun(root, resolveOptions(undefined), 'test')
    pointAtBuiltAgent(run.bootstrapPath)
    const spy = path.join(root, 'spy.cjs')
    fs.writeFileSync(spy, SPY)
    const out = JSON.parse(runNode(run.bootstrapPath, SCRIPT, true, spy).trim())
    expect(out.scheduled).toEqual([])
    expect(out.before).toBeGreaterThan(0)
    expect(out.during).toBe(0)
    // Back on once the loop turned: well before the agent's own 100 ms timer would have done it.
    expect(out.after).toBe(out.before)
  })
})
