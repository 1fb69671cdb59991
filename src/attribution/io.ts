/**
 * The file access the pipeline needs, kept out of the pure stages: source text and source maps from disk, and
 * the maps the main process captured into the run dir (source-maps.ts CAPTURED_MAPS_FILE).
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { CAPTURED_MAPS_FILE, type RawSourceMap, type SourceIo } from './source-maps.js'

export const nodeIo: SourceIo = {
  readText(absPath: string): string | null {
    try {
      return fs.readFileSync(absPath, 'utf8')
    } catch {
      return null
    }
  },
  readTail(absPath: string, bytes: number): string | null {
    let fd: number | null = null
    try {
      fd = fs.openSync(absPath, 'r')
      const size = fs.fstatSync(fd).size
      const length = Math.min(bytes, size)
      const buf = Buffer.alloc(length)
      fs.readSync(fd, buf, 0, length, size - length)
      return buf.toString('utf8')
    } catch {
      return null
    } finally {
      if (fd !== null) fs.closeSync(fd)
    }
  },
}

export function loadCapturedMaps(runDir: string): Record<string, RawSourceMap> {
  try {
    const data = JSON.parse(fs.readFileSync(path.join(runDir, CAPTURED_MAPS_FILE), 'utf8'))
    return data && typeof data === 'object' ? data : {}
  } catch {
    return {}
  }
}

export function saveCapturedMaps(runDir: string, maps: Record<string, RawSourceMap>): void {
  const file = path.join(runDir, CAPTURED_MAPS_FILE)
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(maps))
  fs.renameSync(`${file}.tmp`, file)
}
