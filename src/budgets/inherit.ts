/**
 * The effective budget of a test: the plugin's default, the test's tags, every enclosing describe and the test
 * itself, DEEP-merged in that order (later wins).
 *
 * Why not just `task.meta.budget`: vitest merges meta SHALLOWLY, per top-level key (@vitest/runner: a suite's
 * meta = Object.assign({}, parent.meta, own); a test's = Object.assign({}, tagMeta, parentSuite.meta, own),
 * tag metas themselves assigned in priority order). A describe's `budget: { wall }` is therefore replaced
 * whole by a test's `budget: { cpu }`, and the wall limit is lost. We recover each level's OWN budget and
 * merge them ourselves. Object.assign copies references, so a level that declared no budget holds the very
 * object of the level it inherited from: equal to what it would inherit means "not its own". Equality is
 * checked by reference first and then structurally, because the main process sees tasks after a structured
 * clone, which keeps the values but not the sharing. Taking an own budget that merely equals the inherited
 * one for inherited is harmless: merging a budget again over a merge that already ended with it changes nothing.
 *
 * Pure: takes vitest-shaped objects (real tasks, clones, or test doubles), reads only `meta`, `suite`, `tags`.
 */
import { isPlainObject } from './parse.js'

export interface TaskLike {
  name: string
  type?: string
  /** `object`, not an index signature: vitest's TaskMeta is an interface, which has none. */
  meta?: object
  suite?: TaskLike
  file?: TaskLike
  tags?: string[]
}

/** A vitest 4.1 tag definition (the runner config's `tags`); only `meta.budget` and `priority` matter here. */
export interface TagDefinitionLike {
  name: string
  /** Lower number = higher priority (vitest's TestTagDefinition); no priority = lowest. */
  priority?: number
  meta?: object
}

export interface BudgetOptions {
  /** The plugin's `budget` option: below everything else. */
  defaults?: unknown
  /** The tag definitions of the test's project (runner config `tags`). Without them a budget that came from a
   * tag counts as the test's own: still applied, only above the describes instead of below them. */
  tags?: TagDefinitionLike[]
}

/** One level's own budget and where it was declared ("describe 'parser'"), for error messages. */
export interface BudgetLevel {
  source: string
  budget: unknown
}

/**
 * The levels that declared a budget of their own, lowest precedence first: plugin default, tags (vitest's
 * priority order: no priority first, then from the highest number down to the lowest), the describes
 * outermost first, the task itself.
 */
export function budgetLevels(task: TaskLike, opts: BudgetOptions = {}): BudgetLevel[] {
  const levels: BudgetLevel[] = []
  if (!isAbsent(opts.defaults)) levels.push({ source: "the plugin's budget option", budget: opts.defaults })

  const tags = sortedTags(task, opts.tags ?? [])
  let tagShallow: unknown = undefined // what vitest's Object.assign over the tag metas leaves in meta.budget
  for (const tag of tags) {
    const own = ownBudgetOf(tag.meta)
    if (!own.has) continue
    tagShallow = own.value
    if (!isAbsent(own.value)) levels.push({ source: `tag '${tag.name}'`, budget: own.value })
  }

  const suites: TaskLike[] = []
  const seen = new Set<TaskLike>()
  for (let s = task.suite; s && !seen.has(s); s = s.suite) {
    seen.add(s)
    suites.unshift(s)
  }
  // A suite's meta gets its parent's meta and never tag meta (vitest's initSuite / createSuite).
  let visible: { has: boolean; value: unknown } = { has: false, value: undefined }
  for (const s of suites) {
    const own = ownBudgetOf(s.meta)
    if (own.has && !(visible.has && same(own.value, visible.value))) {
      if (!isAbsent(own.value)) levels.push({ source: `describe '${s.name}'`, budget: own.value })
    }
    if (own.has) visible = own
  }

  // The task: its parent's meta over the tag meta (vitest's test collector: tagMeta, parentMeta, own).
  const inherited = visible.has ? visible.value : tagShallow
  const own = ownBudgetOf(task.meta)
  if (own.has && !same(own.value, inherited) && !isAbsent(own.value)) {
    levels.push({ source: `${task.type === 'suite' ? 'describe' : 'test'} '${task.name}'`, budget: own.value })
  }
  return levels
}

/** The raw merged budget of `task` (to give to parseBudget), or undefined when no level declares one. */
export function effectiveBudgetRaw(task: TaskLike, opts: BudgetOptions = {}): unknown {
  let merged: unknown = undefined
  for (const level of budgetLevels(task, opts)) merged = mergeBudgets(merged, level.budget)
  return merged
}

/**
 * One budget over another. Deep merge (deepMerge), with two budget-specific rules:
 * - `cpu`: a duration and an object do not replace each other. `cpu: '100ms'` is the total, `cpu: { main,
 *   workers }` the split, and they are different limits: a describe's `cpu: '100ms'` with a test's
 *   `cpu: { main: '50ms' }` gives that test both (`{ total: '100ms', main: '50ms' }`), the way a test's
 *   `cpu: { main }` keeps its describe's `cpu: { workers }`. A user who adds a split to one test expects the
 *   group's total to still hold; to change the total, a level writes `cpu: '<new total>'` (or `{ total }`).
 * - A level whose budget is not an object (`budget: '100ms'`, invalid) is kept instead of being replaced
 *   by the levels below it, so the tests under it fail on that error rather than silently dropping it.
 *   null and undefined are no budget.
 */
export function mergeBudgets(base: unknown, over: unknown): unknown {
  if (isAbsent(over)) return base
  if (isAbsent(base)) return over
  if (!isPlainObject(over)) return over
  if (!isPlainObject(base)) return base
  const cpuBase = base.cpu
  const cpuOver = over.cpu
  if (!isAbsent(cpuBase) && !isAbsent(cpuOver) && isPlainObject(cpuBase) !== isPlainObject(cpuOver)) {
    const lift = (cpu: unknown) => (isPlainObject(cpu) ? cpu : { total: cpu })
    return deepMerge({ ...base, cpu: lift(cpuBase) }, { ...over, cpu: lift(cpuOver) })
  }
  return deepMerge(base, over)
}

/**
 * Plain objects merged key by key, recursively (a child's `lines` entries add to the parent's); anything else
 * in `over` replaces `base`. An undefined in `over` (`{ wall: undefined }`) is no value: `base`'s stays.
 * Never mutates its inputs; parts taken whole from either side are shared, not copied.
 */
export function deepMerge(base: unknown, over: unknown): unknown {
  if (over === undefined) return base
  if (!isPlainObject(base) || !isPlainObject(over)) return over
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(base)) setOwn(out, k, v)
  for (const [k, v] of Object.entries(over)) if (v !== undefined) setOwn(out, k, deepMerge(base[k], v))
  return out
}

/** Like `out[k] = v`, except that a key '__proto__' stays a key (parse.ts then reports it as unknown). */
function setOwn(out: Record<string, unknown>, k: string, v: unknown): void {
  Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true })
}

/** The task's tag definitions in the order vitest assigns their options (last wins). */
function sortedTags(task: TaskLike, definitions: TagDefinitionLike[]): TagDefinitionLike[] {
  const found: TagDefinitionLike[] = []
  for (const name of new Set(task.tags ?? [])) {
    // vitest: runner.config.tags.find(t => t.name === tag); unknown tags are skipped (or rejected by strictTags).
    const def = definitions.find((d) => d.name === name)
    if (def) found.push(def)
  }
  // vitest's comparator, as is: (b.priority ?? Infinity) - (a.priority ?? Infinity). Two tags without priority
  // give NaN, which sort() takes as 0 (equal: the test's tag order stays, V8's sort is stable).
  return found.sort((a, b) => {
    const d = (b.priority ?? Number.POSITIVE_INFINITY) - (a.priority ?? Number.POSITIVE_INFINITY)
    return Number.isNaN(d) ? 0 : d
  })
}

function ownBudgetOf(meta: object | undefined): { has: boolean; value: unknown } {
  if (meta === null || typeof meta !== 'object' || !Object.prototype.hasOwnProperty.call(meta, 'budget')) {
    return { has: false, value: undefined }
  }
  return { has: true, value: (meta as { budget?: unknown }).budget }
}

function isAbsent(v: unknown): v is null | undefined {
  return v === undefined || v === null
}

/** Reference identity, else structural equality of JSON-like values (what survives a structured clone). */
function same(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false
    return a.every((v, i) => same(v, b[i]))
  }
  if (!isPlainObject(a) || !isPlainObject(b)) return false
  const ka = Object.keys(a)
  const kb = Object.keys(b)
  if (ka.length !== kb.length) return false
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && same(a[k], b[k]))
}
