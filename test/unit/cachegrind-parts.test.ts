import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, test } from 'vitest'
// @ts-expect-error: a plain .mjs module of the bench, without type declarations
import { PARTS, PART_NAMES, partsOf } from '../../bench/cachegrind-parts.mjs'

// bench/budgets-instructions.mjs splits a process's instructions by what ran, from its cachegrind file. The
// excerpt is ten functions of a real one (a test process of the overhead suite, Node 20, valgrind 3.19), six
// lines of counts each; its golden dump names the part each function went to, and the totals.
const excerpt = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'recorded', 'cachegrind-excerpt.out')

test('each function of a recorded cachegrind file goes to its part, and every instruction is counted once', async () => {
  const fs = await import('node:fs')
  const lines = fs.readFileSync(excerpt, 'utf8').split('\n')
  const totals = partsOf(excerpt) as Record<string, number>
  const dump = [
    ...lines.filter((l) => l.startsWith('fn=')).map((l) => {
      const name = l.slice(3)
      const part = (PARTS as [string, RegExp][]).find(([, re]) => re.test(name))?.[0] ?? PART_NAMES[PART_NAMES.length - 1]
      return `${part.padEnd(26)} ${name.slice(0, 90)}`
    }),
    '',
    ...(PART_NAMES as string[]).map((n) => `${n.padEnd(26)} ${totals[n]}`),
  ].join('\n')
  await expect(dump + '\n').toMatchFileSnapshot('../recorded/cachegrind-excerpt.golden.txt')
  const all = lines.filter((l) => /^\d/.test(l)).reduce((a, l) => a + Number(l.split(' ')[1]), 0)
  expect(Object.values(totals).reduce((a, b) => a + b, 0)).toBe(all)
  expect(all).toBe(Number(lines.find((l) => l.startsWith('summary: '))!.slice('summary: '.length)))
})
