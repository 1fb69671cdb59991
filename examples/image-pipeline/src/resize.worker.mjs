// Tinypool task file (plain JS: Node loads it in the worker thread as is, so its lines are the lines you see).
// One call makes one thumbnail the way a thumbnail service does: blur against aliasing (more passes for a bigger
// downscale), bilinear resize, then a 3x3 sharpen. This pixel math is where a profile of this suite should point.

/** Separable [1 4 6 4 1]/16 blur on RGB (alpha kept), one horizontal and one vertical pass. Edges clamp. */
export function blur(src, width, height) {
  const tmp = new Uint8ClampedArray(src.length)
  const out = new Uint8ClampedArray(src.length)
  const k = [1, 4, 6, 4, 1]
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4
      for (let ch = 0; ch < 3; ch++) {
        let acc = 0
        for (let t = -2; t <= 2; t++) acc += k[t + 2] * src[(y * width + Math.min(width - 1, Math.max(0, x + t))) * 4 + ch]
        tmp[o + ch] = acc / 16
      }
      tmp[o + 3] = src[o + 3]
    }
  }
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4
      for (let ch = 0; ch < 3; ch++) {
        let acc = 0
        for (let t = -2; t <= 2; t++) acc += k[t + 2] * tmp[(Math.min(height - 1, Math.max(0, y + t)) * width + x) * 4 + ch]
        out[o + ch] = acc / 16
      }
      out[o + 3] = tmp[o + 3]
    }
  }
  return out
}

/** Bilinear resize of an RGBA buffer (`src` is width*height*4 bytes). */
export function resize(src, width, height, outWidth, outHeight) {
  const out = new Uint8ClampedArray(outWidth * outHeight * 4)
  const xRatio = (width - 1) / Math.max(1, outWidth - 1)
  const yRatio = (height - 1) / Math.max(1, outHeight - 1)
  for (let y = 0; y < outHeight; y++) {
    const sy = y * yRatio
    const y0 = Math.floor(sy)
    const y1 = Math.min(height - 1, y0 + 1)
    const fy = sy - y0
    for (let x = 0; x < outWidth; x++) {
      const sx = x * xRatio
      const x0 = Math.floor(sx)
      const x1 = Math.min(width - 1, x0 + 1)
      const fx = sx - x0
      const a = (y0 * width + x0) * 4
      const b = (y0 * width + x1) * 4
      const c = (y1 * width + x0) * 4
      const d = (y1 * width + x1) * 4
      const o = (y * outWidth + x) * 4
      for (let ch = 0; ch < 4; ch++) {
        const top = src[a + ch] + (src[b + ch] - src[a + ch]) * fx
        const bottom = src[c + ch] + (src[d + ch] - src[c + ch]) * fx
        out[o + ch] = top + (bottom - top) * fy
      }
    }
  }
  return out
}

/** 3x3 sharpen (unsharp-style kernel), alpha kept. Edges are copied unchanged. */
export function sharpen(src, width, height) {
  const out = new Uint8ClampedArray(src)
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const i = (y * width + x) * 4
      for (let ch = 0; ch < 3; ch++) {
        const v =
          5 * src[i + ch] - src[i - 4 + ch] - src[i + 4 + ch] - src[i - width * 4 + ch] - src[i + width * 4 + ch]
        out[i + ch] = v
      }
    }
  }
  return out
}

/** The task: { pixels, width, height, outWidth, outHeight } → a thumbnail and a checksum of it. */
export default function thumbnail({ pixels, width, height, outWidth, outHeight }) {
  // Roughly one blur pass per halving of the size: enough to keep the bilinear sampling from aliasing.
  const passes = Math.min(3, Math.max(0, Math.round(Math.log2(width / outWidth))))
  let smooth = pixels
  for (let i = 0; i < passes; i++) smooth = blur(smooth, width, height)
  const small = sharpen(resize(smooth, width, height, outWidth, outHeight), outWidth, outHeight)
  let checksum = 0
  for (let i = 0; i < small.length; i++) checksum = (checksum * 31 + small[i]) >>> 0
  return { pixels: small, width: outWidth, height: outHeight, checksum }
}
