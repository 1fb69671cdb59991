/**
 * Keeps Vite's file watcher (vitest's watch mode) out of our output dir. Our files appear there while vitest
 * watches: a run's setup stub is created after the watcher started (the bin's createVitest, or the plugin's
 * configureVitest, both run after Vite's server exists), and the stub is in `setupFiles`, so its `add` event
 * makes vitest re-run every test file (VitestWatcher.handleSetupFile), whenever that event comes late enough,
 * under load, to find the first run's files collected. Every spool chunk written during a run is another event.
 */
import * as path from 'node:path'

interface ViteConfigLike {
  root?: string
  server?: { watch?: object | null }
}

/** Vite config to merge (the `config` hook's return), or undefined when the user turned the watcher off. */
export function ignoreOutputDir(config: ViteConfigLike, outputDir: string): { server: { watch: { ignored: string[] } } } | undefined {
  const pattern = outputDirPattern(config, outputDir)
  if (config.server?.watch === null || pattern === null) return undefined
  return { server: { watch: { ignored: [pattern] } } }
}

/**
 * A pattern chokidar matches against absolute paths: `**\/.vitest-profile/**` for a relative dir inside the
 * root (the root is not final in the config hook: `test.root`, `--root`), an absolute path (chokidar adds
 * `/**`) otherwise.
 */
function outputDirPattern(config: ViteConfigLike, outputDir: string): string | null {
  const rel = path.posix.normalize(outputDir.replace(/\\/g, '/')).replace(/\/$/, '')
  // The root itself: ignoring it would stop watch mode altogether.
  if (rel === '.') return null
  if (!path.isAbsolute(outputDir) && !rel.startsWith('..') && !/[*?[\]{}()!+@]/.test(rel)) return `**/${rel}/**`
  return path.resolve(config.root ?? process.cwd(), outputDir)
}

/** For the bin: the same, as a Vite plugin given to createVitest (its config hook sees the user's config). */
export function watchIgnorePlugin(outputDir: string): { name: string; config(c: ViteConfigLike): ReturnType<typeof ignoreOutputDir> } {
  return { name: 'vitest-profiler:watch-ignore', config: (c) => ignoreOutputDir(c, outputDir) }
}
