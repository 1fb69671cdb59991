/**
 * Reviewed golden files: a test's text must equal the file; with UPDATE_GOLDEN=1 the file is written instead
 * (then review its diff).
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { expect } from 'vitest'

/** The check for the golden files in `dir`: `golden(name, text)`. */
export function goldenIn(dir: string): (name: string, text: string) => void {
  return (name, text) => {
    const file = path.join(dir, name)
    if (process.env.UPDATE_GOLDEN) {
      fs.mkdirSync(dir, { recursive: true })
      fs.writeFileSync(file, text)
    }
    expect(text).toBe(fs.readFileSync(file, 'utf8'))
  }
}
