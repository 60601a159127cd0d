import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

// @opentelemetry/api is an optional peer: nothing imports it at the top level of a module, nothing loads it before
// a cache is built, and a cache works without it.

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name)
    return entry.isDirectory() ? sourceFiles(full) : full.endsWith('.ts') ? [full] : []
  })
}

/** Runs an ES module script in a child Node (with tsx), `@opentelemetry/api` hidden when `hide`; returns stdout. */
function runChild(script: string, hide: boolean): string {
  const preload = hide ? ['--require', path.join(ROOT, 'test/unit/observability/hide-opentelemetry.cjs')] : []
  return execFileSync(
    process.execPath,
    [...preload, '--import', 'tsx', '--input-type=module', '-e', script],
    {
      cwd: ROOT,
      encoding: 'utf8',
    },
  )
}

describe('loading @opentelemetry/api', () => {
  it('no source file imports it but for types', () => {
    const offenders = sourceFiles(path.join(ROOT, 'src')).filter((file) =>
      /^import (?!type )[^\n]*['"]@opentelemetry\//m.test(readFileSync(file, 'utf8')),
    )
    expect(offenders).toEqual([])
  })

  it('importing the package loads none of it; building a cache does, once', () => {
    const out = runChild(
      `
      import { createRequire } from 'node:module'
      const require = createRequire(import.meta.url)
      const loaded = () => Object.keys(require.cache).filter((m) => m.includes('@opentelemetry')).length > 0
      await import('./src/index.ts')
      const before = loaded()
      const { createTelemetry } = await import('./src/observability/telemetry/telemetry.ts')
      createTelemetry({}, { namespace: 'x', memory: () => undefined, pendingInvalidations: () => 0, busUp: () => undefined, breakerOpen: () => undefined })
      console.log(JSON.stringify({ before, after: loaded() }))
      `,
      false,
    )
    expect(JSON.parse(out)).toEqual({ before: false, after: true })
  })

  it('without it installed, telemetry is off and the options are accepted', () => {
    const out = runChild(
      `
      const { queryCache } = await import('./src/index.ts')
      const { createTelemetry } = await import('./src/observability/telemetry/telemetry.ts')
      queryCache({ telemetry: {} })
      const telemetry = createTelemetry({}, { namespace: 'x', memory: () => undefined, pendingInvalidations: () => 0, busUp: () => undefined, breakerOpen: () => undefined })
      console.log(JSON.stringify({ telemetry: telemetry === undefined }))
      `,
      true,
    )
    expect(JSON.parse(out)).toEqual({ telemetry: true })
  })
})
