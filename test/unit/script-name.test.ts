/**
 * What a thread's start event says it runs (agent/script-name.ts): a worker as its creator described it, a
 * process from its argv. The report's threads are told apart by these.
 */
import { describe, expect, test } from 'vitest'
import { pathToFileURL } from 'node:url'
import { processScript, shortCode, workerScript } from '../../src/agent/script-name.js'

describe('workerScript', () => {
  test('a file: by absolute path, relative path (against cwd) or file: URL; titled by its file name or name', () => {
    expect(workerScript('/p/w.mjs', undefined, '/cwd')).toEqual({ entry: '/p/w.mjs', title: 'w.mjs' })
    expect(workerScript('./lib/w.js', {}, '/cwd')).toEqual({ entry: '/cwd/lib/w.js', title: 'w.js' })
    expect(workerScript(pathToFileURL('/p/a b.mjs'), { name: 'resizer' }, '/cwd')).toEqual({ entry: '/p/a b.mjs', title: 'resizer' })
  })

  test('eval code: its first line, cut short', () => {
    expect(workerScript('\n  const x = 1\nrun(x)', { eval: true }, '/')).toEqual({ entry: 'eval: const x = 1 …', title: '[worker eval]' })
    const long = `doSomething(${'a'.repeat(100)})`
    const { entry } = workerScript(long, { eval: true }, '/')
    expect(entry).toBe(`eval: ${long.slice(0, 59)}…`)
    expect(workerScript('1', { eval: true, name: 'calc' }, '/').title).toBe('calc')
  })

  test('a data: URL: its media type and decoded code, cut short', () => {
    const code = "import { parentPort } from 'node:worker_threads'\nparentPort.postMessage(1)"
    expect(workerScript(new URL(`data:text/javascript,${encodeURIComponent(code)}`), undefined, '/')).toEqual({
      entry: "data:text/javascript,import { parentPort } from 'node:worker_threads' …",
      title: 'data: URL',
    })
    const b64 = `data:text/javascript;base64,${Buffer.from('x'.repeat(200)).toString('base64')}`
    expect(workerScript(new URL(b64), undefined, '/').entry).toBe(`data:text/javascript;base64,${b64.slice(28, 28 + 59)}…`)
  })

  test('never throws on arguments the real constructor will reject', () => {
    expect(workerScript(42, undefined, '/')).toEqual({ entry: '', title: '' })
    expect(workerScript({ href: 'file:///%E0%A4%A' }, undefined, '/')).toEqual({ entry: '', title: '' })
    expect(workerScript(null, { eval: true }, '/')).toEqual({ entry: '', title: '' })
  })
})

describe('processScript', () => {
  test('its script, or the code of node -e / -p', () => {
    expect(processScript(['/usr/bin/node', '/p/child.mjs'], [], '/usr/bin/node')).toEqual({ entry: '/p/child.mjs', title: 'node child.mjs' })
    expect(processScript(['node'], ['--require', 'x.cjs', '-e', 'console.log(1)'], 'node')).toEqual({ entry: 'eval: console.log(1)', title: 'node [eval]' })
    expect(processScript(['node'], ['--eval=a()\nb()'], 'node').entry).toBe('eval: a() …')
    expect(processScript(['node'], ['-p', '1 + 1'], 'node').entry).toBe('eval: 1 + 1')
    expect(processScript(['/usr/bin/node'], [], '/usr/bin/node')).toEqual({ entry: '', title: 'node' })
  })

  test('shortCode', () => {
    expect(shortCode('   \n\n')).toBe('')
    expect(shortCode('a   b\tc')).toBe('a b c')
  })
})
