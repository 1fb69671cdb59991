/**
 * A file of this package's dist/ (the agent's bundles), from whichever file this code was built into: dist/*.js,
 * or one of the chunks in dist/chunks/ that the plugin's entry imports on demand (scripts/build.mjs).
 */
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'

export function distFile(relative: string): string {
  const here = path.dirname(fileURLToPath(import.meta.url))
  return path.join(path.basename(here) === 'chunks' ? path.dirname(here) : here, relative)
}
