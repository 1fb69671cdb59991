/**
 * Makes thumbnails in a tinypool worker pool: the main thread only hands out images and collects results,
 * the pixel math runs in src/resize.worker.mjs.
 */
import Tinypool from 'tinypool'
import { fileURLToPath } from 'node:url'
import type { RgbaImage } from './images.js'

export interface Thumbnail extends RgbaImage {
  checksum: number
}

export class Thumbnailer {
  private readonly pool: Tinypool

  constructor(threads = 2) {
    this.pool = new Tinypool({
      filename: fileURLToPath(new URL('./resize.worker.mjs', import.meta.url)),
      minThreads: threads,
      maxThreads: threads,
    })
  }

  /** Scales `image` to fit in `box` x `box`, keeping its aspect ratio. */
  thumbnail(image: RgbaImage, box: number): Promise<Thumbnail> {
    const scale = Math.min(box / image.width, box / image.height)
    const outWidth = Math.max(1, Math.round(image.width * scale))
    const outHeight = Math.max(1, Math.round(image.height * scale))
    return this.pool.run({ ...image, outWidth, outHeight })
  }

  close(): Promise<void> {
    return this.pool.destroy()
  }
}
