/**
 * Netpbm PPM (P3 text and P6 binary) encoder and parser: how the pipeline reads its input fixtures. Runs in
 * the test's own thread, so in a profile it is the main-thread share next to the pool's worker share.
 */
import type { RgbaImage } from './images.js'

export class PpmError extends Error {
  override name = 'PpmError'
}

export function encodePpmText(img: RgbaImage): string {
  const lines = [`P3`, `# generated`, `${img.width} ${img.height}`, `255`]
  for (let y = 0; y < img.height; y++) {
    const row: number[] = []
    for (let x = 0; x < img.width; x++) {
      const i = (y * img.width + x) * 4
      row.push(img.pixels[i]!, img.pixels[i + 1]!, img.pixels[i + 2]!)
    }
    lines.push(row.join(' '))
  }
  return lines.join('\n') + '\n'
}

/** Parses P3 (ASCII) or P6 (binary) PPM into RGBA. Comments (`#` to end of line) are allowed in the header. */
export function parsePpm(data: string | Uint8Array): RgbaImage {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data
  let pos = 0
  const token = (): string => {
    for (;;) {
      while (pos < bytes.length && isSpace(bytes[pos]!)) pos++
      if (bytes[pos] !== 0x23) break // '#'
      while (pos < bytes.length && bytes[pos] !== 0x0a) pos++
    }
    const start = pos
    while (pos < bytes.length && !isSpace(bytes[pos]!)) pos++
    if (start === pos) throw new PpmError(`unexpected end of data at byte ${pos}`)
    return String.fromCharCode(...bytes.subarray(start, pos))
  }
  const magic = token()
  if (magic !== 'P3' && magic !== 'P6') throw new PpmError(`not a PPM: magic ${JSON.stringify(magic)}, expected P3 or P6`)
  const width = positiveInt(token(), 'width')
  const height = positiveInt(token(), 'height')
  const max = positiveInt(token(), 'maxval')
  if (max > 255) throw new PpmError(`maxval ${max}: only 8-bit images (maxval <= 255) are supported`)
  const pixels = new Uint8ClampedArray(width * height * 4)
  const scale = 255 / max
  if (magic === 'P6') {
    pos++ // exactly one whitespace byte after maxval
    if (bytes.length - pos < width * height * 3) throw new PpmError(`P6 data truncated: ${bytes.length - pos} of ${width * height * 3} bytes`)
    for (let p = 0, o = 0; p < width * height; p++, o += 4) {
      pixels[o] = bytes[pos++]! * scale
      pixels[o + 1] = bytes[pos++]! * scale
      pixels[o + 2] = bytes[pos++]! * scale
      pixels[o + 3] = 255
    }
  } else {
    for (let p = 0, o = 0; p < width * height; p++, o += 4) {
      pixels[o] = Number(token()) * scale
      pixels[o + 1] = Number(token()) * scale
      pixels[o + 2] = Number(token()) * scale
      pixels[o + 3] = 255
    }
  }
  return { width, height, pixels }
}

const isSpace = (b: number): boolean => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09

function positiveInt(s: string, what: string): number {
  const n = Number(s)
  if (!Number.isInteger(n) || n <= 0) throw new PpmError(`bad ${what} ${JSON.stringify(s)}: expected a positive integer`)
  return n
}
