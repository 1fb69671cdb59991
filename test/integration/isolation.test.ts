/**
 * What profiling must not do to a suite's world: open an inspector port or any listening socket (checked inside
 * the fixture), or write anything outside the output dir.
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { describe, expect, test } from 'vitest'
import { fixturesDir, runFixture } from '../helpers/run-fixture.js'

/** Every file below `root` with its size and mtime, except the output dir and vite's cache in node_modules. */
function snapshot(root: string): Map<string, string> {
  const out = new Map<string, string>()
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (e.name === '.vitest-profile' || e.name === 'node_modules') continue
      const p = path.join(dir, e.name)
      if (e.isDirectory()) walk(p)
      else {
        const st = fs.statSync(p)
        out.set(path.relative(root, p), `${st.size}:${st.mtimeMs}`)
      }
    }
  }
  walk(root)
  return out
}

describe.each(['forks', 'threads'])('isolation, pool %s', (pool) => {
  test('no port or socket, and nothing written outside the output dir', async () => {
    const root = path.join(fixturesDir, 'capture-isolation')
    const before = process.env.VP_COMPAT_ROOT ? null : snapshot(root)
    const tmpBefore = new Set(fs.readdirSync(os.tmpdir()))
    const r = await runFixture('capture-isolation', { args: ['run', `--pool=${pool}`] })
    expect(r.code, r.output).toBe(0)
    // The test thread, the worker (it ends by itself while being terminated: its own final flush must finish
    // first) and the child.
    expect(r.summary!.threadsSeen).toBe(3)
    expect(r.summary!.profilesReceived).toBe(3)
    if (before) expect(snapshot(root)).toEqual(before)
    const created = fs.readdirSync(os.tmpdir()).filter((f) => !tmpBefore.has(f) && /vitest-profil/i.test(f))
    expect(created).toEqual([])
  })
})
