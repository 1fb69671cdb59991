/**
 * The preload of a budgets-only run (plugin in the config, profiling off): `--require`d through execArgv into
 * vitest's workers, and inherited by the worker threads and fork()ed children they start. It installs the
 * budget meter (its writing side, meter-install.ts, bundled as meter-worker.cjs) only in the threads that need it at their start: a worker thread
 * created by a thread that has the meter (its creator's threadId is in the environment data it received).
 *
 * Everywhere else it does nothing but leave its file name:
 * - vitest's own test threads and processes: the budgets setup file installs the meter there (setup.ts), before
 *   any test file is loaded and before any other setup file (budgets-only.ts puts it first). Loading the meter
 *   here too cost every test process 7.9 ms of CPU (bench/meter-cost.mjs), for nothing the setup file misses;
 * - a child process started with this execArgv (a spawnSync of node, say): it is measured from outside
 *   (/proc/<pid>/stat), and a meter in it would have no reader.
 * So this file must stay small: no import of ours but the shared names, and no builtin loaded in a main thread.
 */
import { CREATOR_KEY, HOOK_FILE } from './meter-keys.js'

/**
 * Whether this is a worker thread, asked without loading worker_threads: a vitest forks worker has not loaded
 * it, and loading it here cost each one about 4.6 ms of CPU (measured in a fresh process's preload). In a
 * worker Node replaces process.chdir with a stub that throws, marked `disabled` (lib/internal/bootstrap/
 * switches/does_not_own_process_state.js; Node 20 and 24 checked, test/integration/meter-hook.test.ts).
 */
const inWorker = (process.chdir as { disabled?: boolean }).disabled === true

;(process as unknown as Record<symbol, string>)[HOOK_FILE] = __filename
if (inWorker) {
  try {
    const { getEnvironmentData } = require('node:worker_threads') as typeof import('node:worker_threads')
    // Next to this file in dist/agent/ (external to this bundle, scripts/build.mjs).
    if (getEnvironmentData(CREATOR_KEY) !== undefined) (require('./meter-worker.cjs') as typeof import('./meter-install.js')).installMeter()
  } catch {
    // Measuring must never break the code under test; a test with a budget then reports what it could measure.
  }
}
