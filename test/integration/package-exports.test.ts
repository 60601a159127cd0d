import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { access, copyFile, mkdir, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import packageJson from '../../package.json' with { type: 'json' }
import { manifestTargets, ROOT_REPORT, type RootReport, WORKING_ROOT } from './packaging.ts'

const run = promisify(execFile)
const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const TSUP = path.join(ROOT, 'node_modules/tsup/dist/cli-default.js')
const BUILD_TIMEOUT_MS = 120_000

/** What each module format reports back about the package it loaded by name. */
interface LoadReport extends RootReport {
  resolved: string
}

const ESM_CHECK = `import * as pkg from 'prisma-query-cache'
console.log(JSON.stringify({ resolved: import.meta.resolve('prisma-query-cache'), ...${ROOT_REPORT} }))
process.exit(0)
`

const CJS_CHECK = `const pkg = require('prisma-query-cache')
console.log(JSON.stringify({ resolved: require.resolve('prisma-query-cache'), ...${ROOT_REPORT} }))
process.exit(0)
`

const DASHBOARD_ESM_CHECK = `import * as dashboard from 'prisma-query-cache/dashboard'
console.log(JSON.stringify({ resolved: import.meta.resolve('prisma-query-cache/dashboard'), dashboard: typeof dashboard.dashboard }))
process.exit(0)
`

const DASHBOARD_CJS_CHECK = `const dashboard = require('prisma-query-cache/dashboard')
console.log(JSON.stringify({ resolved: require.resolve('prisma-query-cache/dashboard'), dashboard: typeof dashboard.dashboard }))
process.exit(0)
`

/** What each format reports about `prisma-query-cache/accelerate`, loaded by name beside the root entry. */
interface AccelerateReport {
  resolved: string
  withAccelerate: string
  /** The entries share one copy of the code: the same error classes. */
  sameErrorClasses: boolean
}

const ACCELERATE_REPORT = `{
  withAccelerate: typeof accelerate.withAccelerate,
  sameErrorClasses:
    typeof accelerate.StrategyError === 'function' &&
    accelerate.StrategyError === pkg.StrategyError &&
    accelerate.QueryCacheError === pkg.QueryCacheError,
}`

const ACCELERATE_ESM_CHECK = `import * as pkg from 'prisma-query-cache'
import * as accelerate from 'prisma-query-cache/accelerate'
console.log(JSON.stringify({ resolved: import.meta.resolve('prisma-query-cache/accelerate'), ...${ACCELERATE_REPORT} }))
process.exit(0)
`

const ACCELERATE_CJS_CHECK = `const pkg = require('prisma-query-cache')
const accelerate = require('prisma-query-cache/accelerate')
console.log(JSON.stringify({ resolved: require.resolve('prisma-query-cache/accelerate'), ...${ACCELERATE_REPORT} }))
process.exit(0)
`

/** The `AccelerateReport` of a working build, but for the file it resolved to. */
const WORKING_ACCELERATE = { withAccelerate: 'function', sameErrorClasses: true }

/**
 * Builds with the project's tsup config into a private package directory (a copy of package.json plus
 * its dist), so parallel runs never share `dist/`, then loads the package by its own name from there:
 * Node resolves it through the `exports` map exactly as it would for a user. The directory lives under
 * node_modules so `@prisma/client` and the other externals resolve from the project.
 */
describe('package exports', () => {
  const packageDir = path.join(
    ROOT,
    'node_modules/.cache/prisma-query-cache',
    `exports-${randomBytes(4).toString('hex')}`,
  )

  beforeAll(async () => {
    await access(path.join(ROOT, 'src/index.ts')).catch(() => {
      throw new Error('src/index.ts does not exist: nothing to build')
    })
    await mkdir(packageDir, { recursive: true })
    await copyFile(path.join(ROOT, 'package.json'), path.join(packageDir, 'package.json'))
    await run(process.execPath, [TSUP, '--out-dir', path.join(packageDir, 'dist')], {
      cwd: ROOT,
      timeout: BUILD_TIMEOUT_MS,
    })
    await writeFile(path.join(packageDir, 'check.mjs'), ESM_CHECK)
    await writeFile(path.join(packageDir, 'check.cjs'), CJS_CHECK)
    await writeFile(path.join(packageDir, 'dashboard.mjs'), DASHBOARD_ESM_CHECK)
    await writeFile(path.join(packageDir, 'dashboard.cjs'), DASHBOARD_CJS_CHECK)
    await writeFile(path.join(packageDir, 'accelerate.mjs'), ACCELERATE_ESM_CHECK)
    await writeFile(path.join(packageDir, 'accelerate.cjs'), ACCELERATE_CJS_CHECK)
  }, BUILD_TIMEOUT_MS + 10_000)

  afterAll(async () => {
    await rm(packageDir, { recursive: true, force: true })
  })

  it('builds every file that package.json points at', async () => {
    const targets = manifestTargets(packageJson)
    expect(targets).toEqual(
      expect.arrayContaining([
        './dist/index.js',
        './dist/index.cjs',
        './dist/index.d.ts',
        './dist/dashboard.js',
        './dist/dashboard.cjs',
        './dist/dashboard.d.ts',
        './dist/dashboard.d.cts',
        './dist/accelerate.js',
        './dist/accelerate.cjs',
        './dist/accelerate.d.ts',
        './dist/accelerate.d.cts',
      ]),
    )
    const missing: string[] = []
    for (const target of targets) {
      await access(path.join(packageDir, target)).catch(() => missing.push(target))
    }
    expect(missing).toEqual([])
  })

  it('imports as ESM through the "import" condition', async () => {
    const report = await load('check.mjs')
    expect(report).toEqual({ resolved: expect.stringMatching(/\/dist\/index\.js$/), ...WORKING_ROOT })
  })

  it('requires as CommonJS through the "require" condition', async () => {
    const report = await load('check.cjs')
    expect(report).toEqual({ resolved: expect.stringMatching(/\/dist\/index\.cjs$/), ...WORKING_ROOT })
  })

  it('imports and requires prisma-query-cache/dashboard through its own exports entry', async () => {
    expect(await load('dashboard.mjs')).toEqual({
      resolved: expect.stringMatching(/\/dist\/dashboard\.js$/),
      dashboard: 'function',
    })
    expect(await load('dashboard.cjs')).toEqual({
      resolved: expect.stringMatching(/\/dist\/dashboard\.cjs$/),
      dashboard: 'function',
    })
  })

  it("imports prisma-query-cache/accelerate as ESM, sharing the root entry's code", async () => {
    const report = await load<AccelerateReport>('accelerate.mjs')
    expect(report).toEqual({
      resolved: expect.stringMatching(/\/dist\/accelerate\.js$/),
      ...WORKING_ACCELERATE,
    })
  })

  it("requires prisma-query-cache/accelerate as CommonJS, sharing the root entry's code", async () => {
    const report = await load<AccelerateReport>('accelerate.cjs')
    expect(report).toEqual({
      resolved: expect.stringMatching(/\/dist\/accelerate\.cjs$/),
      ...WORKING_ACCELERATE,
    })
  })

  async function load<Report = LoadReport>(script: string): Promise<Report> {
    const { stdout } = await run(process.execPath, [path.join(packageDir, script)], { cwd: packageDir })
    return JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as Report
  }
})
