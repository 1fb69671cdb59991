/**
 * Where the gate's verdict goes: its text on the terminal (stderr when stdout belongs to a machine-readable
 * reporter), and under GitHub Actions (GITHUB_ACTIONS=true) workflow commands (an error annotation at the
 * hottest regressed line) and a markdown table appended to $GITHUB_STEP_SUMMARY. The run's exit code:
 * GATE_EXIT_CODE (3) for a regression, unless the run already fails for something else (vitest's 1 wins).
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import pc from 'picocolors'
import type { GateResult } from '../budgets/gate.js'
import { GATE_EXIT_CODE } from '../budgets/gate.js'
import { formatGateMarkdown, formatGateText, githubAnnotations } from '../budgets/gate-report.js'

export interface GateOutputContext {
  root: string
  log: (text: string) => void
  env: NodeJS.ProcessEnv
  /** Where workflow commands go (stdout, unless a machine-readable reporter owns it). */
  writeCommands: (text: string) => void
}

export function publishGate(result: GateResult, ctx: GateOutputContext): void {
  ctx.log(formatGateText(result, { color: pc.isColorSupported, width: process.stdout.columns || Number(ctx.env.COLUMNS) || 160 }))
  if (ctx.env.GITHUB_ACTIONS === 'true') {
    // Annotation paths are relative to the repository (the workspace), not to vitest's root.
    const workspace = ctx.env.GITHUB_WORKSPACE ?? process.cwd()
    const commands = githubAnnotations(result, path.relative(workspace, ctx.root))
    if (commands) ctx.writeCommands(commands.endsWith('\n') ? commands : `${commands}\n`)
    const summary = ctx.env.GITHUB_STEP_SUMMARY
    if (summary) {
      try {
        fs.appendFileSync(summary, `${formatGateMarkdown(result)}\n`)
      } catch (err) {
        ctx.log(`vitest-profiler: could not append the gate's table to GITHUB_STEP_SUMMARY (${summary}): ${String(err)}`)
      }
    }
  }
  if (result.exitCode === GATE_EXIT_CODE && !process.exitCode) process.exitCode = GATE_EXIT_CODE
}
