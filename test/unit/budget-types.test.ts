/**
 * The budget schema's compile-time checks (test/types/budget.test-d.ts) under the real compiler: tsc on
 * test/types/tsconfig.json, which resolves 'vitest' from this project's node_modules and the augmentation
 * from src/ (no build). The program holds a canary with one deliberately unused `@ts-expect-error`: the run
 * must report exactly that error, which proves both that an unused directive fails (tsc's TS2578) and that
 * budget.test-d.ts, valid lines and expected errors alike, has no other.
 */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { expect, test } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))

test('budget types: valid budgets compile, typos and wrong units do not', { timeout: 120_000 }, () => {
  const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'test/types/tsconfig.json', '--pretty', 'false'], {
    cwd: root,
    encoding: 'utf8',
  })
  const diagnostics = tsc.stdout.split('\n').filter((l) => /^\S.*\(\d+,\d+\): error TS\d+/.test(l))
  expect(tsc.stderr).toBe('')
  expect(diagnostics).toEqual(["test/types/canary-unused-expect-error.ts(6,1): error TS2578: Unused '@ts-expect-error' directive."])
  expect(tsc.status).toBe(2)
})
