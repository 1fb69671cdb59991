/**
 * The first terminal summary (capture issue): per test CPU main vs. workers, samples, and threads seen vs.
 * profiles received, then the top lines by samples. The full report replaces it in the attribution issue.
 */
import pc from 'picocolors'
import type { RunSummary } from '../attribution/summary.js'

export function renderSummary(summary: RunSummary, _opts: { color?: boolean | undefined } = {}): string {
  const ms = (us: number) => `${(us / 1000).toFixed(1)}ms`
  const out: string[] = []
  out.push('', pc.bold(' vitest-profiler ') + pc.dim(summary.runDir), '')
  out.push(pc.dim('  test'.padEnd(52) + 'wall'.padStart(10) + 'cpu main'.padStart(11) + 'cpu workers'.padStart(13) + 'samples'.padStart(15)))
  for (const t of summary.tests) {
    const name = `${t.file} > ${t.name}`
    out.push(
      '  ' +
        (name.length > 50 ? '…' + name.slice(-49) : name).padEnd(50) +
        ms(t.wallUs).padStart(10) +
        ms(t.cpuMainUs).padStart(11) +
        ms(t.cpuWorkersUs).padStart(13) +
        `${t.samplesMain}+${t.samplesWorkers}`.padStart(15) +
        (t.concurrent ? pc.yellow(' (concurrent: shared)') : ''),
    )
  }
  const unflushed = summary.threads.filter((t) => t.ending.status === 'unflushed')
  out.push('')
  out.push(`  threads/processes seen: ${summary.threadsSeen}, profiles received: ${summary.profilesReceived}` + (unflushed.length ? pc.red(`, died unflushed: ${unflushed.length}`) : ''))
  for (const t of unflushed) {
    if (t.ending.status !== 'unflushed') continue
    const lost =
      t.ending.diedAtUs !== null && t.ending.lastFlushUs !== null ? ` (lost at most ${ms(t.ending.diedAtUs - t.ending.lastFlushUs)} after its last flush)` : ''
    out.push(pc.red(`    ${t.key} ${t.kind}: ended without flushing${t.ending.signal ? ` by ${t.ending.signal}` : ''}${lost}`))
  }
  if (summary.hotLines.length) {
    out.push('', pc.dim('  hot lines (samples, all threads)'))
    for (const l of summary.hotLines) out.push(`  ${String(Math.round(l.samples)).padStart(7)}  ${l.url}:${l.line} ${pc.dim(l.functionName || '(anonymous)')}`)
  }
  out.push('')
  return out.join('\n')
}
