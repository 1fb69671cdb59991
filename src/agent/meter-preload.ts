/**
 * The whole budget meter as a CommonJS bundle (dist/agent/meter.cjs), both sides, for code that measures in
 * plain Node: bench/meter-cost.mjs and the integration tests of the meter's clocks. The agent itself does not
 * load it: a test's thread has the meter from the setup file (setup.js) or the profiling preload
 * (preload.cjs), and a worker below it only the writing side (meter-worker.cjs, meter-hook.ts). Loading it
 * installs nothing: installMeter() (or the first mark()) does.
 */
export { installMeter, mark, measureSince } from './meter.js'
