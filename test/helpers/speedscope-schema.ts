/**
 * The speedscope file format's required fields and types (https://www.speedscope.app/file-format-schema.json,
 * FileFormat.File with sampled profiles), checked by hand: what speedscope's importer needs to open the file.
 * Beyond the schema: every stack entry indexes a frame, weights match samples one for one and are >= 0, and
 * endValue >= startValue (the spec's comment asks it). Returns the problems found; [] for a valid file.
 */
const UNITS = new Set(['none', 'nanoseconds', 'microseconds', 'milliseconds', 'seconds', 'bytes'])
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v)

export function speedscopeProblems(file: unknown): string[] {
  const out: string[] = []
  const f = file as Record<string, unknown>
  if (typeof f !== 'object' || f === null) return ['not an object']
  if (f.$schema !== 'https://www.speedscope.app/file-format-schema.json') out.push(`$schema is ${JSON.stringify(f.$schema)}`)
  for (const k of ['name', 'exporter'] as const) if (k in f && typeof f[k] !== 'string') out.push(`${k} is not a string`)
  const shared = f.shared as { frames?: unknown } | undefined
  const frames = Array.isArray(shared?.frames) ? (shared!.frames as Record<string, unknown>[]) : null
  if (!frames) return [...out, 'shared.frames is not an array']
  frames.forEach((fr, i) => {
    if (typeof fr !== 'object' || fr === null || typeof fr.name !== 'string') return out.push(`frame ${i}: no string name`)
    if ('file' in fr && typeof fr.file !== 'string') out.push(`frame ${i}: file is not a string`)
    for (const k of ['line', 'col'] as const) if (k in fr && !(isNum(fr[k]) && (fr[k] as number) >= 1)) out.push(`frame ${i}: ${k} is not a number >= 1`)
  })
  if (!Array.isArray(f.profiles)) return [...out, 'profiles is not an array']
  const profiles = f.profiles as Record<string, unknown>[]
  if ('activeProfileIndex' in f && !(isNum(f.activeProfileIndex) && f.activeProfileIndex >= 0 && f.activeProfileIndex < Math.max(1, profiles.length))) {
    out.push(`activeProfileIndex ${String(f.activeProfileIndex)} is out of range`)
  }
  profiles.forEach((p, i) => {
    const at = `profile ${i} (${String(p?.name)})`
    if (p?.type !== 'sampled') return out.push(`${at}: type ${JSON.stringify(p?.type)} (only sampled profiles are written)`)
    if (typeof p.name !== 'string') out.push(`${at}: no string name`)
    if (!UNITS.has(p.unit as string)) out.push(`${at}: unit ${JSON.stringify(p.unit)}`)
    if (!isNum(p.startValue) || !isNum(p.endValue)) out.push(`${at}: startValue/endValue not numbers`)
    else if (p.endValue < p.startValue) out.push(`${at}: endValue < startValue`)
    const samples = p.samples as unknown[]
    const weights = p.weights as unknown[]
    if (!Array.isArray(samples) || !Array.isArray(weights)) return out.push(`${at}: samples/weights not arrays`)
    if (samples.length !== weights.length) out.push(`${at}: ${samples.length} samples, ${weights.length} weights`)
    const bad = samples.findIndex((s) => !Array.isArray(s) || s.some((x) => !Number.isInteger(x) || x < 0 || x >= frames.length))
    if (bad >= 0) out.push(`${at}: sample ${bad} is not a list of frame indexes`)
    const badW = weights.findIndex((w) => !isNum(w) || w < 0)
    if (badW >= 0) out.push(`${at}: weight ${badW} is not a number >= 0`)
  })
  return out
}
