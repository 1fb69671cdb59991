import { describe, expect, test } from 'vitest'
import { withoutPreload } from '../../src/agent/meter.js'

// What a fork()ed child is started with in a budgets-only run (meter.ts): the parent's execArgv without our
// preload, in each form Node accepts, and nothing else changed.
describe('withoutPreload', () => {
  const file = '/x/node_modules/vitest-profiler/dist/agent/meter.cjs'
  test('drops --require <file>, -r <file> and --require=<file>', () => {
    expect(withoutPreload(['node', '--conditions', 'node', '--require', file, 'child.mjs', 'a'], file)).toEqual(['node', '--conditions', 'node', 'child.mjs', 'a'])
    expect(withoutPreload(['node', '-r', file, 'child.mjs'], file)).toEqual(['node', 'child.mjs'])
    expect(withoutPreload(['node', `--require=${file}`, '--require', file, 'child.mjs'], file)).toEqual(['node', 'child.mjs'])
  })
  test('keeps every other --require, and returns the same array when there is nothing of ours', () => {
    const args = ['node', '--require', '/x/other.cjs', '--require', `${file}.bak`, 'child.mjs', '--require', 'x']
    expect(withoutPreload(args, file)).toBe(args)
    // A --require at the end, with no file after it, is the user's (and node's error), not ours.
    const dangling = ['node', 'child.mjs', '--require']
    expect(withoutPreload(dangling, file)).toBe(dangling)
  })
})
