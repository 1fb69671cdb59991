/**
 * The `lines` budget key 'src/parse.ts:42': its syntax, shared by parse.ts (pure validation) and
 * source-lines.ts (the check against the file on disk) without either importing the other.
 */

export const LINE_KEY_ACCEPTED =
  "a source line 'path:line' (path relative to the project root, line a positive integer) like 'src/parse.ts:42'"

/**
 * 'src/parse.ts:42' → file and line. The line is after the LAST colon (a path may hold one); absolute paths
 * are refused: keys are matched against paths relative to the project root, so one would never match.
 * `file` has `\` as `/` and no leading './', the form the attribution's relative paths have.
 */
export function parseLineKey(key: string): { file: string; line: number } | null {
  const colon = key.lastIndexOf(':')
  if (colon <= 0) return null
  const lineText = key.slice(colon + 1)
  if (!/^[1-9][0-9]*$/.test(lineText)) return null
  const line = Number(lineText)
  if (!Number.isSafeInteger(line)) return null
  let file = key.slice(0, colon).replace(/\\/g, '/')
  if (/^(?:\/|[A-Za-z]:)/.test(file)) return null
  while (file.startsWith('./')) file = file.slice(2)
  return file.trim() === '' ? null : { file, line }
}
