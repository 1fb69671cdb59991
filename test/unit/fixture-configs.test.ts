/**
 * Issue #10.16: no test of ours may depend on the machine being quiet. A fixture test that keeps vitest's 5 s
 * default timeout failed under load (isolation.test.ts, a fixture test timing out while two vitest runs shared
 * the 2 cores). Every fixture config, and every project config in a fixture, sets its own testTimeout.
 * And each fixture belongs to one test file: a fixture run empties the fixture's .vitest-profile first, so two
 * test files running one fixture at once (vitest runs 2 files in parallel) removed each other's runs.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { expect, test } from 'vitest'
import { fixturesDir } from '../helpers/run-fixture.js'

function configs(dir: string): string[] {
  const out: string[] = []
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name.startsWith('.')) continue
    const p = path.join(dir, e.name)
    if (e.isDirectory()) out.push(...configs(p))
    else if (/^vitest\.config\.(ts|mts|js|mjs)$/.test(e.name)) out.push(p)
  }
  return out
}

test('every fixture config sets a testTimeout (for each of its inline projects too)', () => {
  const all = configs(fixturesDir)
  expect(all.length).toBeGreaterThan(20)
  for (const file of all) {
    const text = fs.readFileSync(file, 'utf8')
    const needed = Math.max(1, (text.match(/\binclude:/g) ?? []).length)
    expect((text.match(/\btestTimeout:/g) ?? []).length, path.relative(fixturesDir, file)).toBeGreaterThanOrEqual(needed)
  }
})

test('each fixture is run by one test file', () => {
  const testDir = path.join(fixturesDir, '..', 'test', 'integration')
  const users = new Map<string, Set<string>>()
  for (const file of fs.readdirSync(testDir).filter((f) => f.endsWith('.ts'))) {
    const text = fs.readFileSync(path.join(testDir, file), 'utf8')
    for (const m of text.matchAll(/(?:runFixture|fixtureCommand)\('([^']+)'|FIXTURE = '([^']+)'/g)) {
      const name = m[1] ?? m[2]!
      users.set(name, new Set([...(users.get(name) ?? []), file]))
    }
  }
  expect(users.size).toBeGreaterThan(20)
  for (const [name, files] of users) expect([...files], name).toHaveLength(1)
})
