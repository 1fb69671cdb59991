// What a process's instructions were spent on, from its cachegrind out file (bench/budgets-instructions.mjs):
// V8's parser, its compilers, its garbage collector, and everything else (the code running: interpreter and
// JIT code, builtins, Node, libc, the kernel's side is not counted by valgrind). Classified by the C++ function
// names in the file (Node's binary has its symbols): a heuristic by V8's namespaces and classes, not an exact
// account; the table names the patterns.
//
// Why: with --predictable-gc-schedule a process's count repeats, but V8 collects when the allocations since the
// last collection reach a limit, so any change in what a process allocates (ours: a setup file, a meter table)
// moves each later collection to another point of the test's own work, where more or fewer objects are live. On
// the overhead suite that moved one test process's GC instructions by -34 M to +50 M between builds that differ
// by a few KB of code (and a setup file that does nothing, with a plugin that does nothing, by -34 M). That part
// is real, but chaotic: the other parts are what a change of ours can be judged by.
import * as fs from 'node:fs'

/** [part, pattern]: the first that matches a function's name takes its instructions. */
export const PARTS = [
  [
    'garbage collector',
    /v8::internal::(Heap::|Scavenge|MarkCompact|Marking|MinorMarkSweep|Sweeper|Evacuat|PretenuringHandler|SemiSpace|PagedSpace|RememberedSet|GCTracer|ConcurrentMarking|IncrementalMarking|MarkBit|EphemeronTable|ArrayBufferSweeper)|heap::base::|Builtins_RecordWrite|IteratePointers<v8::internal::(Scaveng|.*Marking|IterateAndScavenge)/,
  ],
  ['parser', /v8::internal::(Parser|PreParser|ParserBase|Scanner|AstValueFactory|AstRawString|AstNodeFactory|(Declaration|Class)?Scope::|VariableMap|ExpressionScope|Utf16CharacterStream|PerfectKeywordHash|FuncNameInferrer|Rewriter)|Utf16CharacterStream/],
  ['compilers', /v8::internal::(interpreter::|compiler::|maglev::|baseline::|Compiler::|SourcePositionTableBuilder|FeedbackMetadata|ScopeInfo::Create|BytecodeArray)/],
]
export const OTHER = 'running (everything else)'
export const PART_NAMES = [...PARTS.map(([name]) => name), OTHER]

/** Instructions by part of one cachegrind out file (`--cache-sim=no`: one event, Ir). */
export function partsOf(file) {
  const totals = Object.fromEntries(PART_NAMES.map((n) => [n, 0]))
  let part = OTHER
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (line.startsWith('fn=')) {
      const name = line.slice(3)
      part = PARTS.find(([, re]) => re.test(name))?.[0] ?? OTHER
    } else if (line.length > 0 && line.charCodeAt(0) >= 48 && line.charCodeAt(0) <= 57) {
      // "<line> <Ir>"
      const space = line.indexOf(' ')
      if (space > 0) totals[part] += Number(line.slice(space + 1))
    }
  }
  return totals
}
