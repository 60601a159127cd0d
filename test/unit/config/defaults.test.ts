import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { resolveOptions } from '../../../src/config/options.ts'
import { DEFAULTS } from '../../../src/index.ts'

const README = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8')

/** The README options table: option name (without backticks) → its default cell. */
function readmeDefaults(): Map<string, string> {
  const section = README.slice(README.indexOf('## Options'))
  const rows = new Map<string, string>()
  for (const line of section.split('\n')) {
    const cells = line.split(/(?<!\\)\|/).map((cell) => cell.trim())
    const name = /^`([^`]+)`$/.exec(cells[1] ?? '')?.[1]
    if (name !== undefined && cells.length >= 5) rows.set(name, cells[3] as string)
    if (line.startsWith('## ') && !line.startsWith('## Options')) break
  }
  return rows
}

/** How the README writes a default. */
const README_TEXT: Record<string, string> = {
  namespace: `\`'${DEFAULTS.namespace}'\``,
  'regions.*.ttl': `\`${DEFAULTS.region.ttl}\``,
  'regions.*.swr': `\`${DEFAULTS.region.swr}\``,
  'regions.*.staleIfError': `\`${DEFAULTS.region.staleIfError}\``,
  'regions.*.lock': `\`${DEFAULTS.region.lock}\``,
  'regions.*.lockLease': `\`${DEFAULTS.region.lockLease}\``,
  'regions.*.tiers': `\`[${DEFAULTS.region.tiers.map((tier) => `'${tier}'`).join(', ')}]\``,
  memory: `\`${DEFAULTS.memory.maxEntries.toLocaleString('en-US').replace(',', ' ')}\` entries, \`${DEFAULTS.memory.maxBytes / 1024 / 1024} MiB\``,
  redisTimeout: `\`${DEFAULTS.redisTimeout}\``,
  requireScope: `\`${DEFAULTS.requireScope}\` with \`scope\``,
}

describe('defaults', () => {
  it('the README options table states every default as config/defaults.ts has it', () => {
    const documented = readmeDefaults()
    for (const [option, text] of Object.entries(README_TEXT)) {
      expect(documented.get(option), `README default of ${option}`).toBe(text)
    }
  })

  it('resolved options take their defaults from DEFAULTS', () => {
    const resolved = resolveOptions({})
    expect(resolved.namespace).toBe(DEFAULTS.namespace)
    expect(resolved.redisTimeoutMs).toBe(DEFAULTS.redisTimeout)
    expect(resolved.requireScope).toBe(DEFAULTS.requireScope)
    expect(resolved.memory).toEqual(DEFAULTS.memory)
    expect(resolved.regions.get('default')).toMatchObject({
      ttlMs: DEFAULTS.region.ttl * 1000,
      swrMs: DEFAULTS.region.swr * 1000,
      staleIfErrorMs: DEFAULTS.region.staleIfError * 1000,
      lock: DEFAULTS.region.lock,
      lockLeaseMs: DEFAULTS.region.lockLease * 1000,
      memory: true,
      redis: false,
    })
  })

  it('exports only what users set: no internal tunable is public', () => {
    expect(Object.keys(DEFAULTS).sort()).toEqual([
      'memory',
      'namespace',
      'redisTimeout',
      'region',
      'requireScope',
    ])
  })
})
