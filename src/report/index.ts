/**
 * Report entry point: attributed run → the report files under the report dir and the terminal text.
 * Used by the plugin's reporter and by the tests; never throws (a reporter that throws fails the vitest run):
 * every failure becomes a line in `errors` and the rest of the report still comes out.
 */
import type { Attribution } from '../attribution/pipeline.js'
import { buildReport } from './model.js'
import { writeReports, type RenderContext, type Renderer } from './renderer.js'
import { formatTerminal } from './terminal.js'
import { jsonRenderer } from './json.js'
import { cpuprofileRenderer } from './cpuprofile.js'
import { speedscopeRenderer } from './speedscope.js'
import type { JsonReport } from './schema.js'

export const FILE_RENDERERS: Renderer[] = [jsonRenderer, cpuprofileRenderer, speedscopeRenderer]

export interface ProduceOptions {
  reportDir: string
  color: boolean
  width: number
  topLines?: number
  renderers?: Renderer[]
  /** Each project's root by name: `lines` budget keys are relative to it (model.ts). */
  projectRoots?: Record<string, string>
  /** The coverage provider, when coverage is on (model.ts notes it). */
  coverage?: string
}

export interface Produced {
  text: string
  report: JsonReport | null
  files: { renderer: string; path: string }[]
  errors: string[]
}

export function produceReports(a: Attribution, options: ProduceOptions): Produced {
  const errors: string[] = []
  let report: JsonReport | null = null
  try {
    report = buildReport(a, {
      ...(options.projectRoots ? { projectRoots: options.projectRoots } : {}),
      ...(options.coverage ? { coverage: options.coverage } : {}),
    })
  } catch (err) {
    return { text: '', report: null, files: [], errors: [`report model: ${(err as Error).stack ?? err}`] }
  }
  const ctx: RenderContext = { reportDir: options.reportDir, color: options.color, width: options.width, topLines: options.topLines ?? 5, files: [] }
  try {
    const written = writeReports(options.renderers ?? FILE_RENDERERS, { attribution: a, report }, ctx)
    ctx.files = written.files
    errors.push(...written.errors)
  } catch (err) {
    errors.push(`writing reports: ${(err as Error).message}`)
  }
  let text = ''
  try {
    text = formatTerminal(report, ctx)
  } catch (err) {
    errors.push(`terminal: ${(err as Error).stack ?? err}`)
  }
  return { text, report, files: ctx.files, errors }
}
