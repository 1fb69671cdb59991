import { afterAll, describe, expect, test } from 'vitest'
import { syntheticImage } from '../src/images.js'
import { Thumbnailer } from '../src/thumbnailer.js'

describe('thumbnails in a worker pool', () => {
  const thumbnailer = new Thumbnailer(2)
  afterAll(() => thumbnailer.close())

  test('resizes 16 photos to 256 px', { meta: { budget: { cpu: { workers: '30s' }, wall: '60s' } } }, async () => {
    const photos = Array.from({ length: 16 }, (_, i) => syntheticImage(1280, 960, i + 1))
    const thumbs = await Promise.all(photos.map((p) => thumbnailer.thumbnail(p, 256)))
    for (const t of thumbs) {
      expect(t.width).toBe(256)
      expect(t.height).toBe(192)
    }
    // Different inputs, different outputs: the work was really done per image.
    expect(new Set(thumbs.map((t) => t.checksum)).size).toBe(16)
  })

  test('keeps the aspect ratio of portrait images', async () => {
    const t = await thumbnailer.thumbnail(syntheticImage(600, 1000, 99), 128)
    expect([t.width, t.height]).toEqual([77, 128])
  })
})
