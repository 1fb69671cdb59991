/**
 * One `.cpuprofile` per thread, with every frame rewritten to the ORIGINAL source: URL of the .ts file, its
 * 0-based line/column of the function, and positionTicks on original lines, so DevTools and VS Code open and
 * annotate the TypeScript. The thread's chunks are merged into one profile (rotation overlaps were already
 * trimmed by the reader). Frames are re-keyed by their mapped identity, so the tree can be smaller than V8's.
 * Stacks are the ones a user should see (frames.ts shownStack, as speedscope's): no frame of the profiler's own
 * scripts, and its work one `(profiler overhead)` leaf, so that DevTools' bottom-up view names no agent function.
 */
import type { Attribution, ThreadAttribution } from '../attribution/pipeline.js'
import type { V8Profile, V8ProfileNode } from '../spool/format.js'
import { PROFILER_OVERHEAD, byStack, frameId, safeName, shownStack } from './frames.js'
import type { Renderer } from './renderer.js'

export const cpuprofileRenderer: Renderer = {
  name: 'cpuprofile',
  render: ({ attribution }) =>
    attribution.threads
      .filter((t) => t.samples.length > 0)
      .map((t) => ({ path: `thread-${safeName(t.key)}.cpuprofile`, content: JSON.stringify(threadProfile(attribution, t)) })),
}

export function threadProfile(a: Attribution, t: ThreadAttribution): V8Profile {
  const scriptIds = new Map<string, string>()
  const scriptId = (url: string) => {
    if (!url) return '0'
    let id = scriptIds.get(url)
    if (!id) scriptIds.set(url, (id = String(scriptIds.size + 1)))
    return id
  }
  const root: V8ProfileNode = { id: 1, callFrame: { functionName: '(root)', scriptId: '0', url: '', lineNumber: -1, columnNumber: -1 }, hitCount: 0, children: [] }
  const nodes: V8ProfileNode[] = [root]
  const childIndex = new Map<string, V8ProfileNode>()
  const ticks = new Map<V8ProfileNode, Map<number, number>>()
  const samples: number[] = []
  const timeDeltas: number[] = []
  const startTime = Math.min(...t.node.record.chunks.map((c) => c.profile.startTime), t.samples[0]!.ts)
  let last = startTime
  const child = (parent: V8ProfileNode, key: string, callFrame: V8ProfileNode['callFrame']): V8ProfileNode => {
    const k = `${parent.id}\u0001${key}`
    let node = childIndex.get(k)
    if (!node) {
      node = { id: nodes.length + 1, callFrame, hitCount: 0, children: [] }
      nodes.push(node)
      parent.children!.push(node.id)
      childIndex.set(k, node)
    }
    return node
  }
  // The output node of a sample's stack, once per stack; `ownLeaf`: the node's line histogram belongs to it.
  const leafOf = byStack((s) => {
    const shown = shownStack(a, s)
    let parent = root
    for (const f of shown.frames) {
      parent = child(parent, frameId(f), { functionName: f.functionName, scriptId: scriptId(f.url), url: f.url, lineNumber: f.line === null ? -1 : f.line - 1, columnNumber: f.column ?? -1 })
    }
    if (shown.overhead) parent = child(parent, PROFILER_OVERHEAD, { functionName: PROFILER_OVERHEAD, scriptId: '0', url: '', lineNumber: -1, columnNumber: -1 })
    return { out: parent, ownLeaf: shown.ownLeaf }
  })
  // Samples per V8 node first: their line split is the node's (per chunk), so it is added once per node below.
  const perNode = new Map<V8ProfileNode, { out: V8ProfileNode; ownLeaf: boolean; count: number; chunk: (typeof t.samples)[number]['chunk'] }>()
  for (const s of t.samples) {
    let hit = perNode.get(s.node)
    if (!hit) perNode.set(s.node, (hit = { ...leafOf(s), count: 0, chunk: s.chunk }))
    hit.count++
    samples.push(hit.out.id)
    timeDeltas.push(Math.max(0, Math.round(s.ts - last)))
    last = s.ts
  }
  for (const [node, { out, ownLeaf, count, chunk }] of perNode) {
    out.hitCount = (out.hitCount ?? 0) + count
    // A sample whose leaf was ours (or our overhead) has its lines in our code: none of them on the user's frame.
    if (!ownLeaf) continue
    const located = a.locator.locate(node, chunk?.code)
    if (located.frame.line === null) continue
    let hist = ticks.get(out)
    if (!hist) ticks.set(out, (hist = new Map<number, number>()))
    for (const l of located.selfLines) {
      // No line from V8, or a callee's line V8 put on this node: no tick on this node's lines.
      if (l.level === 'none' || l.inlined) continue
      // positionTicks lines belong to the node's own script; a line mapped into another file stays on the function.
      const line = l.url === located.frame.url && l.line !== null ? l.line : located.frame.line
      hist.set(line, (hist.get(line) ?? 0) + l.fraction * count)
    }
  }
  for (const [node, hist] of ticks) {
    const entries = [...hist.entries()].map(([line, n]) => ({ line, ticks: Math.round(n) })).filter((e) => e.ticks > 0)
    if (entries.length) node.positionTicks = entries.sort((x, y) => x.line - y.line)
  }
  for (const n of nodes) if (!n.children!.length) delete n.children
  return { nodes, startTime: Math.round(startTime), endTime: Math.round(Math.max(last, ...t.node.record.chunks.map((c) => c.profile.endTime))), samples, timeDeltas }
}
