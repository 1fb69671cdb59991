/**
 * The real exports object of a Node builtin, from any bundle of ours: a namespace import is a read-only copy
 * of it in the CJS bundles (so patches must go on this object), and a `require` taken at first use loads a
 * builtin only where it is needed (node:os is not otherwise loaded in a worker thread).
 */
import { createRequire } from 'node:module'

export function builtinExports<T = Record<string | symbol, unknown>>(name: string): T {
  return createRequire(`${process.cwd()}/`)(name) as T
}
