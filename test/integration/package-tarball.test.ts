import { access, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import ts from 'typescript'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  CJS_CONDITIONS,
  createConsumer,
  ESM_CONDITIONS,
  expectEveryEntryLoads,
  exportEntries,
  installedVersion,
  loadEntries,
  manifestTargets,
  moduleFormat,
  type PackageManifest,
  ROOT,
  readManifest,
  resolveExport,
  run,
} from './packaging.ts'

// The committed HEAD, cloned without a build, packed by `npm pack` (which must build it), installed from the
// tarball into an empty project and used from there by name: ESM, CJS and TypeScript, every `exports` entry.

const SETUP_TIMEOUT_MS = 240_000
const TSC = path.join(ROOT, 'node_modules/typescript/bin/tsc')

/** The files a tarball may hold: what `files` lists (dist/, README.md), package.json and a licence. */
const PACKABLE = [/^dist\//, /^README\.md$/, /^package\.json$/, /^LICEN[CS]E(\.[a-z]+)?$/i]

/** The conditions TypeScript matches for an `import` and a `require` of a package (`module: nodenext`). */
const TYPES_ESM_CONDITIONS = ['types', 'node', 'import', 'default']
const TYPES_CJS_CONDITIONS = ['types', 'node', 'require', 'default']

/** What `npm pack --json` reports for one tarball. */
interface PackReport {
  filename: string
  files: { path: string }[]
}

describe('npm pack from a clean clone, installed into an empty project', () => {
  let work: string
  let clone: string
  let distBeforePack: boolean
  let packed: PackReport
  let manifest: PackageManifest
  let consumer: string
  let installed: string

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'prisma-query-cache-pack-'))
    clone = path.join(work, 'clone')
    const head = (await run('git', ['rev-parse', 'HEAD'], ROOT, 10_000)).trim()
    // --shared borrows the repository's objects, so a HEAD that is on no branch checks out too.
    await run('git', ['clone', '--quiet', '--shared', '--no-checkout', ROOT, clone], work, 30_000)
    await run('git', ['checkout', '--quiet', '--detach', head], clone, 30_000)
    distBeforePack = await exists(path.join(clone, 'dist'))
    // The repository's dependencies, linked: `npm ci --offline` in the clone costs ~20 s more for the same tree.
    await symlink(path.join(ROOT, 'node_modules'), path.join(clone, 'node_modules'), 'dir')

    const stdout = await run('npm', ['pack', '--json', '--pack-destination', work], clone, SETUP_TIMEOUT_MS)
    // The build's own output comes first on stdout; npm's report is the JSON array after it.
    const reports = JSON.parse(stdout.slice(stdout.lastIndexOf('\n[\n') + 1)) as PackReport[]
    expect(reports).toHaveLength(1)
    packed = reports[0]!
    manifest = await readManifest(clone)

    const peers = await Promise.all(
      ['@prisma/client', 'ioredis', '@types/node'].map(
        async (name) => `${name}@${await installedVersion(name)}`,
      ),
    )
    consumer = await createConsumer(
      path.join(work, 'consumer'),
      [path.join(work, packed.filename), ...peers],
      {
        timeoutMs: SETUP_TIMEOUT_MS,
      },
    )
    installed = path.join(consumer, 'node_modules', manifest.name)
  }, SETUP_TIMEOUT_MS * 2)

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true })
  })

  it('builds on npm pack: the clone had no dist/, the tarball has every file package.json points at', () => {
    expect(distBeforePack).toBe(false)
    const files = packed.files.map((file) => file.path)
    const missing = manifestTargets(manifest).filter(
      (target) => !files.includes(path.posix.normalize(target)),
    )
    expect(missing).toEqual([])
  })

  it('packs dist/, README.md, package.json and a licence, nothing else', () => {
    const files = packed.files.map((file) => file.path)
    expect(files.filter((file) => !PACKABLE.some((pattern) => pattern.test(file)))).toEqual([])
    expect(files).toContain('README.md')
  })

  it('loads every exports entry by name through import and require', async () => {
    expectEveryEntryLoads(await loadEntries(consumer, manifest), manifest, installed)
  }, 60_000)

  it('type-checks a consumer against the types of the import and the require conditions', async () => {
    const entries = exportEntries(manifest).filter((entry) => !entry.json)
    const sources: Record<string, string> = {
      'usage.mts': usage(`import { type QueryCacheOptions, queryCache } from '${manifest.name}'`, ''),
      'usage.cts': usage(`import cache = require('${manifest.name}')`, 'cache.'),
    }
    for (const [index, { specifier }] of entries.entries()) {
      sources[`entry-${index}.mts`] =
        `import * as entry from '${specifier}'\nexport type Entry = typeof entry\n`
      sources[`entry-${index}.cts`] =
        `import entry = require('${specifier}')\nexport type Entry = typeof entry\n`
    }
    for (const [name, source] of Object.entries(sources)) await writeFile(path.join(consumer, name), source)
    const compilerOptions = {
      module: 'nodenext',
      target: 'es2022',
      strict: true,
      noEmit: true,
      skipLibCheck: false,
      types: ['node'],
    }
    const tsconfig = { compilerOptions, files: Object.keys(sources) }
    await writeFile(path.join(consumer, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2))
    await run(process.execPath, [TSC, '-p', 'tsconfig.json'], consumer, 60_000)

    const options = { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext }
    const formats = [
      { from: 'usage.mts', mode: ts.ModuleKind.ESNext, types: TYPES_ESM_CONDITIONS, code: ESM_CONDITIONS },
      { from: 'usage.cts', mode: ts.ModuleKind.CommonJS, types: TYPES_CJS_CONDITIONS, code: CJS_CONDITIONS },
    ] as const
    for (const { specifier, target } of entries) {
      for (const { from, mode, types: typesConditions, code } of formats) {
        const types = resolveExport(target, typesConditions)
        const where = `'${specifier}' for ${code.join('/')}`
        expect(types, `types of ${where}`).toMatch(/\.d\.[cm]?ts$/)
        // TypeScript accepts ESM types for a require (nodenext): the format has to match the code's itself.
        expect(moduleFormat(types ?? '', manifest), `format of the types of ${where}`).toBe(
          moduleFormat(resolveExport(target, code) ?? '', manifest),
        )
        const { resolvedModule } = ts.resolveModuleName(
          specifier,
          path.join(consumer, from),
          options,
          ts.sys,
          undefined,
          undefined,
          mode,
        )
        expect(resolvedModule?.resolvedFileName, `'${specifier}' from ${from}`).toBe(
          path.join(installed, types ?? ''),
        )
      }
    }
  }, 120_000)
})

/** A consumer module that uses the root entry's typed API; `api` prefixes its names (`cache.` in CJS). */
function usage(importLine: string, api: string): string {
  return `${importLine}
const options: ${api}QueryCacheOptions = { namespace: 'shop', regions: { default: { ttl: 60, swr: 30 } } }
export const extension = ${api}queryCache(options)
// @ts-expect-error ttl is a number of seconds: fails to compile only if the types are real
${api}queryCache({ regions: { default: { ttl: '60' } } })
`
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  )
}
