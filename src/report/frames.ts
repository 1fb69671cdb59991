/**
 * Shared by the profile-format renderers: a sample's stack as located (source-mapped) frames, root first.
 * V8's pseudo nodes ((idle), (garbage collector), (program)) keep their names and have no URL.
 */
import type { Attribution } from '../attribution/pipeline.js'
import { stackNodes, type Sample } from '../attribution/samples.js'
import type { Frame } from '../attribution/locations.js'

export function rootFirstFrames(a: Attribution, s: Sample): Frame[] {
  return stackNodes(s.node, s.chunk)
    .map((n) => a.locator.locate(n).frame)
    .reverse()
}

export const frameId = (f: Frame): string => `${f.functionName}\u0000${f.url}\u0000${f.line}\u0000${f.column}`

/** A file name safe on every platform for a thread key or a test name. */
export const safeName = (s: string): string => s.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80)
