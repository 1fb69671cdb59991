/**
 * Human-readable text dumps of each pipeline stage, for the golden tests (test/unit/golden.test.ts) and for
 * debugging a run by eye. Stable order, rounded numbers, no absolute paths.
 */
import type { Attribution, BucketResult } from './pipeline.js'

const ms = (us: number) => (us / 1000).toFixed(1)

export function dumpThreads(a: Attribution): string {
  return a.threads
    .map((t) => {
      const n = t.node
      const end = n.ending.status === 'flushed' ? `flushed:${n.ending.how}` : 'unflushed'
      return `${t.key} kind=${n.kind} parent=${n.parent ?? '-'} root=${n.root ?? '-'} clock=${n.record.start.cpuClock} chunks=${n.record.chunks.length} windows=${n.record.windows.length} ${end}`
    })
    .join('\n')
}

export function dumpSamples(a: Attribution): string {
  return a.threads
    .map((t) => {
      const kinds = new Map<string, { n: number; wallUs: number; cpuUs: number }>()
      for (const s of t.samples) {
        const k = kinds.get(s.kind) ?? { n: 0, wallUs: 0, cpuUs: 0 }
        k.n++
        k.wallUs += s.weight
        k.cpuUs += s.cpuUs
        kinds.set(s.kind, k)
      }
      const parts = [...kinds.entries()].sort().map(([k, v]) => `  ${k.padEnd(9)} samples=${v.n} wall=${ms(v.wallUs)}ms cpu=${ms(v.cpuUs)}ms`)
      return [`${t.key} samples=${t.samples.length} unsampled-cpu=${ms(t.unsampledUs)}ms`, ...parts].join('\n')
    })
    .join('\n')
}

function bucketTitle(b: BucketResult): string {
  const r = b.ref
  return r.kind === 'test' ? `test ${r.window.event.file} > ${r.window.event.name}` : r.kind === 'outside' ? `outside ${r.file ?? '(no file)'} thread=${r.thread}` : `unattributed ${r.thread}`
}

export function dumpBuckets(a: Attribution, topLines = 6): string {
  const out: string[] = []
  for (const b of [...a.tests, ...a.outside, ...a.unattributed]) {
    out.push(bucketTitle(b))
    out.push(`  cpu main=${ms(b.cpu.mainUs)}ms workers=${ms(b.cpu.workersUs)}ms profiler=${ms(b.cpu.profilerUs)}ms unsampled=${ms(b.cpu.unsampledUs)}ms n=${b.onCpuSamples} n_eff=${b.nEff.toFixed(1)}`)
    for (const t of b.threads) out.push(`  thread ${t.key} ${t.isMain ? 'main' : 'worker'} cpu=${ms(t.cpuUs)}ms on-cpu=${t.onCpuSamples} idle=${ms(t.idleUs)}ms waiting=${ms(t.waitingUs)}ms`)
    for (const l of b.lines.slice(0, topLines)) {
      const s = l.share
      out.push(
        `  line ${l.line === null ? l.file : `${l.file}:${l.line}`} [${l.level}] ${l.functionName} cpu=${ms(l.cpuUs)}ms main=${ms(l.mainUs)} workers=${ms(l.workersUs)} samples=${s.samples.toFixed(1)} share=${(s.share * 100).toFixed(1)}% [${(s.low * 100).toFixed(1)}, ${(s.high * 100).toFixed(1)}]${s.inconclusive ? ' inconclusive' : ''}`,
      )
    }
    for (const f of b.functions.slice(0, 3)) out.push(`  fn ${f.functionName} ${f.line === null ? f.file : `${f.file}:${f.line}`} self=${ms(f.selfUs)}ms total=${ms(f.totalUs)}ms`)
    if (b.waiting.waitedFor.length) out.push(`  waited-for ${b.waiting.waitedFor.slice(0, 3).map((w) => `${w.file}:${w.line ?? '-'} ${ms(w.cpuUs)}ms`).join(', ')}`)
  }
  return out.join('\n')
}
