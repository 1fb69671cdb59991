// Builds dist/: the ESM plugin and bin, the CJS agent preload (loaded with --require into every profiled
// thread, so it must be CommonJS and self-contained), the ESM setup file, and type declarations.
// Builds into a temporary folder and swaps it in, so a run that is using dist/ meanwhile keeps working.
import { build } from 'esbuild'
import { execFileSync } from 'node:child_process'
import { renameSync, rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
process.chdir(root)
const out = `dist.tmp-${process.pid}`
const old = `dist.old-${process.pid}`
const external = ['vitest', 'vitest/*', 'vite', 'picocolors', '@jridgewell/trace-mapping']
const common = { bundle: true, platform: 'node', target: 'node20', sourcemap: true, logLevel: 'warning' }
try {
  await Promise.all([
    // Split: the plugin's entry is what every run loads; a profiling run's session and the gate's code are
    // import()ed chunks, loaded only when used (plugin/index.ts, plugin/budgets-only.ts say why).
    build({ ...common, entryPoints: { index: 'src/index.ts' }, outdir: out, format: 'esm', external, splitting: true, chunkNames: 'chunks/[name]-[hash]' }),
    build({ ...common, entryPoints: { bin: 'src/plugin/bin.ts' }, outdir: out, format: 'esm', external, banner: { js: '#!/usr/bin/env node' } }),
    build({ ...common, entryPoints: { 'agent/setup': 'src/agent/setup.ts' }, outdir: out, format: 'esm', external }),
    // The same module as CommonJS, which a budgets-only run compiles through V8's code cache (the loader beside it).
    build({ ...common, entryPoints: { 'agent/setup': 'src/agent/setup.ts' }, outdir: out, format: 'cjs', outExtension: { '.js': '.cjs' }, external }),
    build({ ...common, entryPoints: { 'agent/setup-loader': 'src/agent/setup-loader.ts' }, outdir: out, format: 'cjs', outExtension: { '.js': '.cjs' }, external }),
    build({ ...common, entryPoints: { 'agent/preload': 'src/agent/preload.ts' }, outdir: out, format: 'cjs', outExtension: { '.js': '.cjs' } }),
    build({ ...common, entryPoints: { 'agent/meter': 'src/agent/meter-preload.ts' }, outdir: out, format: 'cjs', outExtension: { '.js': '.cjs' } }),
    // The meter's writing side alone: what a worker thread below a test loads (meter-hook.ts).
    build({ ...common, entryPoints: { 'agent/meter-worker': 'src/agent/meter-install.ts' }, outdir: out, format: 'cjs', outExtension: { '.js': '.cjs' } }),
    // The budgets-only preload: small, and loads meter-worker.cjs beside it only where a thread needs the meter.
    build({ ...common, entryPoints: { 'agent/meter-hook': 'src/agent/meter-hook.ts' }, outdir: out, format: 'cjs', outExtension: { '.js': '.cjs' }, external: ['./meter-worker.cjs'] }),
  ])
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json', '--emitDeclarationOnly', '--outDir', out], { stdio: 'inherit' })
  try { renameSync('dist', old) } catch {}
  renameSync(out, 'dist')
} finally {
  rmSync(out, { recursive: true, force: true })
  rmSync(old, { recursive: true, force: true })
}
