/** The JSON report renderer: the model, as documented in schema.ts, pretty enough to diff. */
import type { Renderer } from './renderer.js'

export const jsonRenderer: Renderer = {
  name: 'json',
  render: ({ report }) => [{ path: 'report.json', content: JSON.stringify(report, null, 1) + '\n' }],
}
