/** vitest-profiler: the plugin (default export) and its public types. */
export { default, type ProfilerOptions } from './plugin/index.js'
