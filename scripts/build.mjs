// Builds dist/: the ESM plugin and bin, the CJS agent preload (loaded with --require into every profiled
// thread, so it must be CommonJS and self-contained), the ESM setup file, and type declarations.
import { build } from 'esbuild'
import { execFileSync } from 'node:child_process'
import { rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
process.chdir(root)
rmSync('dist', { recursive: true, force: true })
const external = ['vitest', 'vitest/*', 'vite', 'picocolors', '@jridgewell/trace-mapping']
const common = { bundle: true, platform: 'node', target: 'node20', sourcemap: true, logLevel: 'warning' }
await Promise.all([
  build({ ...common, entryPoints: { index: 'src/index.ts' }, outdir: 'dist', format: 'esm', external }),
  build({ ...common, entryPoints: { bin: 'src/plugin/bin.ts' }, outdir: 'dist', format: 'esm', external, banner: { js: '#!/usr/bin/env node' } }),
  build({ ...common, entryPoints: { 'agent/setup': 'src/agent/setup.ts' }, outdir: 'dist', format: 'esm', external }),
  build({ ...common, entryPoints: { 'agent/preload': 'src/agent/preload.ts' }, outdir: 'dist', format: 'cjs', outExtension: { '.js': '.cjs' } }),
])
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json', '--emitDeclarationOnly'], { stdio: 'inherit' })
