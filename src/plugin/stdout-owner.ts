/**
 * Whether stdout belongs to a machine-readable reporter: `--reporter=json` (or junit, tap, tap-flat) with no
 * outputFile writes its document to stdout, and our terminal report appended there made it unparseable
 * (issue #10.10). Then our text goes to stderr.
 */
const MACHINE_READABLE = new Set(['json', 'junit', 'tap', 'tap-flat'])

export interface ReporterConfigLike {
  reporters?: unknown[]
  outputFile?: string | Record<string, string | undefined>
}

export function stdoutIsMachineReadable(config: ReporterConfigLike): boolean {
  for (const entry of config.reporters ?? []) {
    const name = typeof entry === 'string' ? entry : Array.isArray(entry) && typeof entry[0] === 'string' ? entry[0] : null
    if (!name || !MACHINE_READABLE.has(name)) continue
    const own = Array.isArray(entry) ? (entry[1] as { outputFile?: unknown } | undefined)?.outputFile : undefined
    const shared = typeof config.outputFile === 'string' ? config.outputFile : config.outputFile?.[name]
    if (!own && !shared) return true
  }
  return false
}
