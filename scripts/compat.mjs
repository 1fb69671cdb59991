#!/usr/bin/env node
// Compat run: the repo's integration tests, with every fixture run by vitest 5 on Node 24 (both from the npm
// registry), and this package installed the way a user installs it (npm pack → tarball → npm install).
//
//   node scripts/compat.mjs [--node 24] [--vitest ^5] [--refresh] [vitest args for the test runner...]
//
// The test runner itself stays the repo's vitest 4 on the current Node: only the fixture runs are under test.
// test/helpers/run-fixture.ts does the switch when VP_COMPAT_ROOT / VP_NODE are set.
//
// Everything lives under .cache/compat/ (git-ignored) and is reused by the next run:
//   node<major>/   the `node-<os>-<cpu>` registry package (a plain Node distribution; ~190 MB, fetched once)
//   root/          the compat project: package.json + node_modules (vitest 5, tinypool, piscina, the tarball)
//   pack/          the tarball of this build
// No downloads other than the npm registry: Node comes as a registry package, not from nodejs.org.
import { execFileSync, spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'

const repoRoot = fileURLToPath(new URL('..', import.meta.url))
const cacheDir = path.join(repoRoot, '.cache', 'compat')
const t0 = Date.now()
const NPM_QUIET = ['--no-audit', '--no-fund', '--loglevel=error']

const { nodeMajor, vitestRange, refresh, runnerArgs } = parseArgs(process.argv.slice(2))
const log = (msg) => console.log(`[compat ${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}`)

fs.mkdirSync(cacheDir, { recursive: true })
const releaseLock = takeLock(path.join(cacheDir, '.lock'))
let code = 1
try {
  code = await main()
} finally {
  releaseLock()
}
log(`done, exit ${code}, ${((Date.now() - t0) / 1000).toFixed(0)} s in all`)
process.exit(code)

async function main() {
  const npmCli = findNpmCli()
  const node = ensureNode(npmCli)
  const nodeVersion = execFileSync(node, ['-v'], { encoding: 'utf8' }).trim()
  log(`node ${nodeVersion} at ${node}`)

  log('building and packing this package')
  run(process.execPath, [path.join(repoRoot, 'scripts', 'build.mjs')], { cwd: repoRoot })
  const tarball = pack(npmCli)

  const root = path.join(cacheDir, 'root')
  installCompatRoot(root, tarball, node, npmCli)
  const vitestVersion = JSON.parse(fs.readFileSync(path.join(root, 'node_modules', 'vitest', 'package.json'), 'utf8')).version
  log(`compat root ${root}: vitest ${vitestVersion}`)
  // Copies of fixtures from earlier runs (run-fixture.ts makes one per fixture run); keep the disk bounded.
  fs.rmSync(path.join(root, 'fixtures'), { recursive: true, force: true })

  const args = runnerArgs.length ? runnerArgs : ['test/integration']
  log(`integration tests: vitest run ${args.join(' ')} (fixtures on vitest ${vitestVersion}, node ${nodeVersion})`)
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'node_modules', 'vitest', 'vitest.mjs'), 'run', ...args], {
    cwd: repoRoot,
    stdio: 'inherit',
    env: { ...process.env, VP_COMPAT_ROOT: root, VP_NODE: node },
  })
  if (r.error) throw r.error
  return r.status ?? 1
}

function parseArgs(argv) {
  const out = { nodeMajor: '24', vitestRange: '^5', refresh: false, runnerArgs: [] }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--node') out.nodeMajor = argv[++i]
    else if (a === '--vitest') out.vitestRange = argv[++i]
    else if (a === '--refresh') out.refresh = true
    else out.runnerArgs.push(a)
  }
  if (!/^\d+$/.test(out.nodeMajor ?? '')) throw new Error(`--node takes a major version such as 24, got ${out.nodeMajor}`)
  return out
}

/**
 * npm's own CLI script. We run it with a chosen node binary rather than through the `npm` shim, so the
 * install under test really happens on Node 24 (the registry's Node packages ship no npm of their own).
 */
function findNpmCli() {
  const candidates = [
    process.env.npm_execpath, // set when started through `npm run`
    path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js'), // unix
    path.join(path.dirname(process.execPath), 'node_modules', 'npm', 'bin', 'npm-cli.js'), // windows
  ]
  const found = candidates.find((p) => p && /npm-cli\.js$/.test(p) && fs.existsSync(p))
  if (!found) throw new Error(`npm-cli.js not found (looked at ${candidates.filter(Boolean).join(', ')})`)
  return found
}

/** Node <major> from the registry package `node-<os>-<cpu>`, cached; reinstalled only if missing or --refresh. */
function ensureNode(npmCli) {
  const os = { linux: 'linux', darwin: 'darwin', win32: 'win' }[process.platform]
  if (!os) throw new Error(`no Node registry package for platform ${process.platform}`)
  const pkg = `node-${os}-${process.arch}`
  const dir = path.join(cacheDir, `node${nodeMajor}`)
  const bin = path.join(dir, 'node_modules', pkg, 'bin', process.platform === 'win32' ? 'node.exe' : 'node')
  const works = () => {
    try {
      return execFileSync(bin, ['-v'], { encoding: 'utf8' }).startsWith(`v${nodeMajor}.`)
    } catch {
      return false
    }
  }
  if (!refresh && works()) return bin
  log(`fetching ${pkg}@${nodeMajor} from the npm registry`)
  fs.rmSync(dir, { recursive: true, force: true })
  fs.mkdirSync(dir, { recursive: true })
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ private: true, dependencies: { [pkg]: `^${nodeMajor}` } }, null, 2))
  // This install runs on the current Node (there is no other yet); the package is just a binary.
  npm(process.execPath, npmCli, ['install', ...NPM_QUIET], dir)
  if (!works()) throw new Error(`${bin} does not run or is not Node ${nodeMajor}`)
  return bin
}

/** `npm pack` of the freshly built package into .cache/compat/pack/, under a fixed name. */
function pack(npmCli) {
  const dest = path.join(cacheDir, 'pack')
  fs.rmSync(dest, { recursive: true, force: true })
  fs.mkdirSync(dest, { recursive: true })
  const out = execFileSync(process.execPath, [npmCli, 'pack', '--json', '--pack-destination', dest, ...NPM_QUIET], {
    cwd: repoRoot,
    encoding: 'utf8',
  })
  const [info] = JSON.parse(out)
  const tarball = path.join(dest, info.filename)
  log(`packed ${info.filename}: ${info.entryCount} files, ${(info.size / 1024).toFixed(0)} KB`)
  return tarball
}

/**
 * The compat project. Its package.json pins the registry deps by range and the package by a file: tarball
 * under a fixed name. The tarball's content changes with every build while its name does not, and npm trusts
 * the integrity it recorded for that name: so the old copy and its lock entries are dropped before each
 * install, which then reinstalls only this package (vitest & co. stay in node_modules from the last run).
 */
function installCompatRoot(root, tarball, node, npmCli) {
  fs.mkdirSync(path.join(root, 'vendor'), { recursive: true })
  fs.copyFileSync(tarball, path.join(root, 'vendor', 'vitest-profiler.tgz'))
  const pkg = {
    name: 'vitest-profiler-compat',
    private: true,
    type: 'module', // like the repo, whose fixtures are copied in here
    dependencies: {
      // The coverage provider must be vitest's own version (test/integration/coverage.test.ts).
      '@vitest/coverage-v8': vitestRange,
      piscina: '*',
      tinypool: '*',
      // Library work in fixtures/terminal-report.
      typescript: '^5',
      vitest: vitestRange,
      'vitest-profiler': 'file:vendor/vitest-profiler.tgz',
    },
  }
  const pkgFile = path.join(root, 'package.json')
  const pkgText = JSON.stringify(pkg, null, 2) + '\n'
  if (!fs.existsSync(pkgFile) || fs.readFileSync(pkgFile, 'utf8') !== pkgText) {
    // Different ranges than last time: resolve afresh.
    fs.writeFileSync(pkgFile, pkgText)
    fs.rmSync(path.join(root, 'package-lock.json'), { force: true })
  }
  fs.rmSync(path.join(root, 'node_modules', 'vitest-profiler'), { recursive: true, force: true })
  fs.rmSync(path.join(root, 'node_modules', '.package-lock.json'), { force: true })
  dropLockEntry(path.join(root, 'package-lock.json'), 'node_modules/vitest-profiler')
  if (refresh) fs.rmSync(path.join(root, 'package-lock.json'), { force: true })
  log(`npm install in ${root} (npm on that node)`)
  npm(node, npmCli, ['install', ...NPM_QUIET], root)
  const installed = path.join(root, 'node_modules', 'vitest-profiler', 'dist', 'bin.js')
  if (!fs.existsSync(installed)) throw new Error(`install did not produce ${installed}`)
}

function dropLockEntry(lockFile, key) {
  if (!fs.existsSync(lockFile)) return
  const lock = JSON.parse(fs.readFileSync(lockFile, 'utf8'))
  if (lock.packages?.[key]) {
    delete lock.packages[key]
    fs.writeFileSync(lockFile, JSON.stringify(lock, null, 2) + '\n')
  }
}

/** Runs npm's CLI on `node`, with that node first on PATH so lifecycle scripts (`node install.js`) use it too. */
function npm(node, npmCli, args, cwd) {
  const nodeDir = path.dirname(node)
  run(node, [npmCli, ...args], {
    cwd,
    env: {
      ...process.env,
      PATH: `${nodeDir}${path.delimiter}${process.env.PATH ?? ''}`,
      // Native addons must build against this node's headers (shipped in the same package), not the machine's.
      npm_config_nodedir: path.resolve(nodeDir, '..'),
      // Without this, npm would keep starting scripts with the node it was first started by, if any.
      npm_node_execpath: node,
      npm_config_update_notifier: 'false',
    },
  })
}

function run(cmd, args, opts) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts })
  if (r.error) throw r.error
  if (r.status !== 0) throw new Error(`${path.basename(cmd)} ${args.join(' ')} exited ${r.status ?? r.signal}`)
}

/**
 * One compat run at a time per checkout: several engineers (and CI) share .cache/compat, and two concurrent
 * `npm install`s into one folder corrupt it. A lock held by a dead process is taken over.
 */
function takeLock(lockDir) {
  const deadline = Date.now() + 20 * 60_000
  for (;;) {
    try {
      fs.mkdirSync(lockDir)
      fs.writeFileSync(path.join(lockDir, 'pid'), String(process.pid))
      break
    } catch (e) {
      if (e.code !== 'EEXIST') throw e
      let holder = NaN
      try {
        holder = Number(fs.readFileSync(path.join(lockDir, 'pid'), 'utf8'))
      } catch {}
      if (!isAlive(holder) && lockAge(lockDir) > 2000) {
        fs.rmSync(lockDir, { recursive: true, force: true })
        continue
      }
      if (Date.now() > deadline) throw new Error(`${lockDir} held by pid ${holder} for 20 minutes`)
      if (!takeLock.told) log(`waiting for another compat run (pid ${holder})`), (takeLock.told = true)
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500)
    }
  }
  return () => fs.rmSync(lockDir, { recursive: true, force: true })
}

function isAlive(pid) {
  if (!Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return e.code === 'EPERM'
  }
}

function lockAge(lockDir) {
  try {
    return Date.now() - fs.statSync(lockDir).mtimeMs
  } catch {
    return Infinity
  }
}
