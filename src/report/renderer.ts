/**
 * The one small interface every report implements, and the runner that writes them. Compute (attribution/),
 * format (model.ts builds the JSON-shaped model once) and render (each renderer turns the model, or for the
 * profile formats the attributed samples, into text) stay separate. Renderers return text; only `writeReports`
 * touches the disk. A renderer that throws loses its own output and a line in `errors`, never the others'.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import type { Attribution } from '../attribution/pipeline.js'
import type { JsonReport } from './schema.js'

export interface ReportInput {
  attribution: Attribution
  report: JsonReport
}

export interface RenderContext {
  /** Absolute output dir of the report files. */
  reportDir: string
  color: boolean
  /** Terminal columns. */
  width: number
  /** Hot lines per test in the terminal. */
  topLines: number
  /** Files written by the file renderers, for the terminal to list (absolute paths). */
  files: { renderer: string; path: string }[]
}

export interface RenderedFile {
  /** Relative to the report dir. */
  path: string
  content: string
}

export interface Renderer {
  name: string
  render(input: ReportInput, ctx: RenderContext): RenderedFile[]
}

export interface WriteResult {
  files: { renderer: string; path: string }[]
  errors: string[]
}

export function writeReports(renderers: Renderer[], input: ReportInput, ctx: RenderContext): WriteResult {
  const files: WriteResult['files'] = []
  const errors: string[] = []
  fs.mkdirSync(ctx.reportDir, { recursive: true })
  // The report dir holds the latest run's reports only: stale per-thread files of an older run would mislead.
  for (const old of fs.readdirSync(ctx.reportDir)) {
    if (/\.(cpuprofile|speedscope\.json|json)$/.test(old)) fs.rmSync(path.join(ctx.reportDir, old), { force: true })
  }
  for (const r of renderers) {
    try {
      for (const f of r.render(input, ctx)) {
        const abs = path.join(ctx.reportDir, f.path)
        fs.writeFileSync(`${abs}.tmp`, f.content)
        fs.renameSync(`${abs}.tmp`, abs)
        files.push({ renderer: r.name, path: abs })
      }
    } catch (err) {
      errors.push(`${r.name}: ${(err as Error).message}`)
    }
  }
  return { files, errors }
}
