import { describe, expect, test } from 'vitest'
import { syntheticImage } from '../src/images.js'
import { encodePpmText, parsePpm, PpmError } from '../src/ppm.js'

// Budgets: generous (they pass); see the README's Budgets section.
describe('PPM parser (main thread)', { meta: { budget: { cpu: { main: '10s' } } } }, () => {
  test('round-trips an 800x600 P3 image', () => {
    const img = syntheticImage(800, 600, 3)
    const text = encodePpmText(img)
    const back = parsePpm(text)
    expect([back.width, back.height]).toEqual([800, 600])
    // First differing byte, not toEqual: a deep diff of 1.9 M bytes would dominate the profile of this test.
    expect(back.pixels.findIndex((v, i) => v !== img.pixels[i])).toBe(-1)
  })

  test('reads binary P6 with header comments', () => {
    const header = new TextEncoder().encode('P6\n# made by a camera\n2 1\n255\n')
    const data = new Uint8Array([...header, 255, 0, 0, 0, 0, 255])
    const img = parsePpm(data)
    expect(Array.from(img.pixels)).toEqual([255, 0, 0, 255, 0, 0, 255, 255])
  })

  test('names what is wrong with a bad file', () => {
    expect(() => parsePpm('P5\n1 1\n255\n')).toThrow(PpmError)
    expect(() => parsePpm('P3\n0 1\n255\n')).toThrow(/bad width "0"/)
    expect(() => parsePpm('P6\n4 4\n255\n\x00')).toThrow(/truncated/)
  })
})
