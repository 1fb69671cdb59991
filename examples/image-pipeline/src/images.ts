/** Deterministic test images: a colour gradient with seeded noise, RGBA, 8 bits per channel. */
export interface RgbaImage {
  width: number
  height: number
  pixels: Uint8ClampedArray
}

export function syntheticImage(width: number, height: number, seed = 1): RgbaImage {
  const pixels = new Uint8ClampedArray(width * height * 4)
  let s = seed >>> 0
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0
      const noise = (s >>> 24) - 128
      const i = (y * width + x) * 4
      pixels[i] = (x * 255) / width + noise / 4
      pixels[i + 1] = (y * 255) / height + noise / 4
      pixels[i + 2] = ((x + y) * 127) / (width + height) + noise / 8
      pixels[i + 3] = 255
    }
  }
  return { width, height, pixels }
}
