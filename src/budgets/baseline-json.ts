/**
 * Where a text stops being JSON, for a baseline's error message. Pure.
 *
 * JSON.parse's own message is no help for that across the Node versions we support: Node 20 says
 * `Unexpected token '}', "..." is not valid JSON` with no position for most errors, Node 22+ adds a line and
 * column, and the wording changes between V8 releases. A baseline is committed and edited by hand (merge
 * conflicts, a trailing comma), so the message must point at the place, the same way on every Node: this small
 * scanner follows RFC 8259 and stops at the first character that breaks it. It is only run after JSON.parse
 * failed, so it needs to be right about *where*, not fast.
 */

export interface JsonSyntaxError {
  /** 0-based offset into the text (UTF-16 units, as JSON.parse counts). */
  offset: number
  /** 1-based. */
  line: number
  /** 1-based, in UTF-16 units from the start of the line. */
  column: number
  /** What was expected and what was found: "expected ',' or '}' after a property value, found ']'". */
  message: string
}

class Stop {
  constructor(
    readonly offset: number,
    readonly message: string,
  ) {}
}

// Corrupt input may nest without end; the scanner recurses, so it stops before the stack does.
const MAX_DEPTH = 2000

/** The first syntax error of `text`, or null when it is valid JSON. */
export function jsonSyntaxError(text: string): JsonSyntaxError | null {
  let i = 0
  const found = (at: number) => (at >= text.length ? 'the end of the file' : JSON.stringify(text[at]))
  const stop = (expected: string, at = i): never => {
    throw new Stop(at, `expected ${expected}, found ${found(at)}`)
  }
  const ws = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++
  }
  const literal = (word: string) => {
    for (let k = 0; k < word.length; k++) if (text[i + k] !== word[k]) stop(`'${word}'`, i + k)
    i += word.length
  }
  const string = () => {
    i++ // the opening quote
    for (;;) {
      if (i >= text.length) stop("a closing '\"'")
      const ch = text.charCodeAt(i)
      if (ch === 0x22) {
        i++
        return
      }
      if (ch < 0x20) stop('a character of a string (a raw line break or control character must be escaped)')
      if (ch === 0x5c) {
        const e = text[i + 1]
        if (e === 'u') {
          for (let k = 2; k < 6; k++) if (!/[0-9a-fA-F]/.test(text[i + k] ?? '')) stop('4 hex digits after \\u', i + k)
          i += 6
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2
        else stop("an escape ('\\\"', '\\\\', '\\/', '\\b', '\\f', '\\n', '\\r', '\\t' or '\\uXXXX')", i + 1)
      } else i++
    }
  }
  const digits = () => {
    if (!/[0-9]/.test(text[i] ?? '')) stop('a digit')
    while (/[0-9]/.test(text[i] ?? '')) i++
  }
  const number = () => {
    if (text[i] === '-') i++
    if (text[i] === '0') i++
    else digits()
    if (text[i] === '.') {
      i++
      digits()
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++
      if (text[i] === '+' || text[i] === '-') i++
      digits()
    }
  }
  const value = (depth: number) => {
    if (depth > MAX_DEPTH) stop(`at most ${MAX_DEPTH} levels of nesting`)
    ws()
    const ch = text[i]
    if (ch === '{') {
      i++
      ws()
      if (text[i] === '}') {
        i++
        return
      }
      for (;;) {
        ws()
        if (text[i] !== '"') stop("a property name in double quotes")
        string()
        ws()
        if (text[i] !== ':') stop("':' after a property name")
        i++
        value(depth + 1)
        ws()
        if (text[i] === ',') {
          i++
          ws()
          // The commonest hand edit: a trailing comma. Say so rather than "expected a property name".
          if (text[i] === '}') stop("another property after ',' (JSON allows no trailing comma)")
          continue
        }
        if (text[i] === '}') {
          i++
          return
        }
        stop("',' or '}' after a property value")
      }
    }
    if (ch === '[') {
      i++
      ws()
      if (text[i] === ']') {
        i++
        return
      }
      for (;;) {
        value(depth + 1)
        ws()
        if (text[i] === ',') {
          i++
          ws()
          if (text[i] === ']') stop("another element after ',' (JSON allows no trailing comma)")
          continue
        }
        if (text[i] === ']') {
          i++
          return
        }
        stop("',' or ']' after an array element")
      }
    }
    if (ch === '"') return string()
    if (ch === 't') return literal('true')
    if (ch === 'f') return literal('false')
    if (ch === 'n') return literal('null')
    if (ch === '-' || (ch !== undefined && ch >= '0' && ch <= '9')) return number()
    stop('a value (an object, array, string, number, true, false or null)')
  }
  try {
    value(0)
    ws()
    if (i < text.length) stop('the end of the file after the value')
    return null
  } catch (err) {
    if (!(err instanceof Stop)) throw err
    return { offset: err.offset, ...lineColumn(text, err.offset), message: err.message }
  }
}

export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1
  let start = 0
  for (let k = 0; k < offset && k < text.length; k++) {
    if (text[k] === '\n') {
      line++
      start = k + 1
    }
  }
  return { line, column: offset - start + 1 }
}
