/**
 * The budget meter as a CommonJS bundle (dist/agent/meter.cjs), for the threads it is loaded into at their start
 * by the budgets-only preload (meter-hook.ts), and for bench/budgets.mjs and bench/meter-cost.mjs, which
 * measure the meter's cost in-process. Loading it installs nothing: installMeter() (or the first mark()) does.
 */
export { installMeter, mark, measureSince } from './meter.js'
