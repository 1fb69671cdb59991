/**
 * Running plain `node` with a run's bootstrap preload (the agent), outside vitest: for tests of the agent's
 * behaviour in a process of its own.
 */
import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { quoteForNodeOptions } from '../../src/agent/propagation.js'
import { repoRoot } from './run-fixture.js'

// createRun resolves dist/agent/preload.cjs next to its own module: from src/ that is src/plugin/agent/...,
// so these tests point the bootstrap at the built agent explicitly where they run it.
const builtAgent = path.join(repoRoot, 'dist', 'agent', 'preload.cjs')

/** Runs `node -e code` with the bootstrap in NODE_OPTIONS (after `before`, a file preloaded ahead of it). */
export function runNode(bootstrap: string, code: string, nodeOptions = true, before?: string): string {
  const env = { ...process.env }
  for (const k of Object.keys(env)) if (k.startsWith('VITEST')) delete env[k]
  const preloads = [...(before ? [before] : []), bootstrap].map((f) => `--require ${quoteForNodeOptions(f)}`).join(' ')
  env.NODE_OPTIONS = nodeOptions ? preloads : ''
  return execFileSync(process.execPath, ['-e', code], { env, encoding: 'utf8' })
}

export function pointAtBuiltAgent(bootstrapPath: string): void {
  const text = fs.readFileSync(bootstrapPath, 'utf8').replace(/require\("[^"]*preload\.cjs"\)/, `require(${JSON.stringify(builtAgent)})`)
  fs.writeFileSync(bootstrapPath, text)
}
