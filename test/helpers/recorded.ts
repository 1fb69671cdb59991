/**
 * A recorded spool under test/recorded/<name>, copied to a temporary folder with `@REPO@` put back to this
 * checkout's path (script URLs in it must be valid file URLs here). The caller removes the folder.
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { repoRoot } from './run-fixture.js'

export function materializeRecording(name: string): string {
  const from = path.join(repoRoot, 'test/recorded', name)
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `vp-${name}-`))
  fs.cpSync(from, dir, { recursive: true })
  for (const f of fs.readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const file = path.join(dir, f)
    if (fs.statSync(file).isFile()) fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replaceAll('@REPO@', repoRoot.replace(/\/$/, '')))
  }
  return dir
}
