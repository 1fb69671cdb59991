// The regression gate's rule as bench/gate.mjs re-derives it to check the gate against it (budgets/gate.ts
// decide and thresholdsOf, budgets/calibration.ts testLoad at the gate's defaults), and the readers of the
// gate's text (budgets/gate-report.ts formatGateText and loadSentence) that give it the gate's own account.
import { median } from './paired.mjs'

// The gate's defaults (src/plugin/gate-options.ts); the fixture's config sets none.
export const GATE = { tolerance: 0.1, floorMs: 20, reruns: 3 }

/**
 * The gate's text (budgets/gate-report.ts formatGateText): per listed test its mark, status and key, then
 * indented lines (wrapped at the terminal width; joined back here): the reason, 'this run X, then re-ran N
 * times: a, b, c ms; median M'. Listed: every test not ok, and every test that was re-run.
 */
export function parseGateText(output) {
  const tests = new Map()
  let cur = null
  for (const line of output.split('\n')) {
    const head = /^[✗?↓+−✓] (regressed|inconclusive|improved|new|gone|ok) +(.+?)  (.*)$/.exec(line)
    if (head) {
      cur = { status: head[1], text: '' }
      tests.set(head[2], cur)
      continue
    }
    if (cur && line.startsWith('    ')) cur.text += ` ${line.trim()}`
    else cur = null
  }
  for (const t of tests.values()) {
    const m = /this run ([\d.]+ m?s), then re-ran (\d+) times?(?: \((\d+) did not measure it\))?: (?:not measured|([\d., ]+) (m?s); median)/.exec(t.text)
    t.firstMs = m ? parseMs(m[1]) : null
    t.reruns = m && m[4] ? m[4].split(', ').map((x) => Number(x) * (m[5] === 's' ? 1000 : 1)) : []
    t.missing = m ? (m[3] ? Number(m[3]) : m[4] ? 0 : Number(m[2])) : 0
  }
  return tests
}

function parseMs(s) {
  return s.endsWith(' s') ? Number.parseFloat(s) * 1000 : Number.parseFloat(s)
}

/**
 * The gate's load sentence (budgets/gate-report.ts loadSentence; wrapped at the terminal's width): the probe's
 * ratios, or the status when it has none. null without the line.
 */
export function parseLoad(output, prefix) {
  const head = new RegExp(`^${prefix}: (.*)$`, 'm').exec(output)
  if (!head) return null
  const at = output.indexOf(head[0])
  const text = output.slice(at, at + 600).replace(/\n(?![✗?↓+−✓] |gate:|re-ran |load)/g, ' ')
  const m = /\(calibration probe: arithmetic ([\d.]+)x, memory ([\d.]+)x\)/.exec(text.split('\n')[0])
  if (!m) return { status: /no calibration/.test(head[1]) ? 'none' : /failed/.test(head[1]) ? 'unavailable' : 'not measured', arithmetic: null, memory: null }
  return { status: /as fast as/.test(head[1]) ? 'steady' : 'scaled', arithmetic: Number(m[1]), memory: Number(m[2]) }
}

/**
 * budgets/calibration.ts testLoad's `regress`, from the printed ratios and the baseline's calibration
 * (`probeShare`: its helpers / memory medians, null under 0.05 as the gate has it); null: unscaled.
 */
export function loadUp(load, s, probeShare) {
  if (!load || load.status !== 'scaled' || load.memory === null) return null
  const band = (r, noise) => (Math.abs(r - 1) <= noise ? 1 : r)
  const a = band(load.arithmetic, 0.03)
  const m = band(load.memory, 0.05)
  const known = s.share !== null && probeShare !== null && probeShare >= 0.05
  const weight = known ? Math.min(4, s.share / probeShare) : 1
  // The workers' and processes' part of the test's CPU: bounded by the two ratios.
  const o = known ? s.other : 1
  const own = known ? Math.max(Math.min(a, m), a + (m - a) * weight) : Math.max(a, m)
  const f = (1 - o) * own + o * Math.max(a, m)
  // Under 1 only by the arithmetic part, on the test's arithmetic-like share.
  const memoryLike = known ? (1 - o) * Math.min(1, weight) + o : 1
  return Math.min(2, f >= 1 ? f : Math.max(f, (1 - memoryLike) * Math.min(1, a) + memoryLike))
}

/** A baseline test's runs → the figures budgets/gate.ts derives from them, at the gate's defaults (unscaled). */
export function spreadOf(runs) {
  const cpu = runs.map((r) => r.cpuMs)
  const m = median(cpu)
  // budgets/gate.ts thresholdsOf: the spread term is the highest run with its bound, or the median plus the
  // runs' range, whichever is higher (and the other way down).
  const range = Math.max(...cpu) - Math.min(...cpu)
  const high = Math.max(...runs.map((r) => r.cpuMs + r.boundMs), m + range)
  const low = Math.max(0, Math.min(...runs.map((r) => r.cpuMs - r.boundMs), m - range))
  const up = [
    ['tolerance', m * (1 + GATE.tolerance)],
    ['floor', m + GATE.floorMs],
    ['spread', high],
  ].reduce((best, t) => (t[1] > best[1] ? t : best))
  const down = Math.max(0, Math.min(m * (1 - GATE.tolerance), m - GATE.floorMs, low))
  // budgets/calibration.ts testLoad: only the helpers beyond the run's clock bound count.
  const share = runs.every((r) => r.helpersMs !== undefined) && m > 0 ? median(runs.map((r) => Math.max(0, r.helpersMs - r.boundMs))) / m : null
  // The share of its CPU in the workers and processes it started.
  const other = m > 0 ? Math.min(1, Math.max(0, median(runs.map((r) => r.workersMs)) / m)) : 0
  return { runs, median: m, min: Math.min(...cpu), max: Math.max(...cpu), high, regressAbove: up[1], by: up[0], improveBelow: down, share, other }
}

/** The regression threshold with its terms scaled by `up` (null: 1), as budgets/gate.ts thresholdsOf scales them. */
export function regressAboveAt(s, up) {
  const u = up ?? 1
  return Math.max(s.median * u * (1 + GATE.tolerance), s.median * u + GATE.floorMs, s.high * u)
}

/**
 * budgets/gate.ts decide(), at the gate's defaults, with the regression threshold's terms scaled by the test's
 * load factor `up` as the gate scales them (median × up + tolerance, median × up + floor, highest run × up).
 * Improvements are only checked unscaled (`up` null: no load line that scales); a scaled one is the gate's.
 */
export function decide(s, f, up = null) {
  const above = regressAboveAt(s, up)
  if (f.cpuMs - f.boundMs > above) return 'regressed'
  if (f.cpuMs + f.boundMs > above) return 'inconclusive'
  if (up === null && f.cpuMs + f.boundMs < s.improveBelow) return 'improved'
  return 'ok'
}
