import { access, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createConsumer,
  expectEveryEntryLoads,
  installedVersion,
  loadEntries,
  manifestTargets,
  type PackageManifest,
  ROOT,
  readManifest,
  run,
} from './packaging.ts'

// Installing the committed HEAD as a git dependency the way README ("Set up") says: npm clones it,
// installs its devDependencies there and runs `prepare`, which has to build dist/ (npm runs no `prepack` for
// a git dependency). With --strict-allow-scripts the install fails unless every install script is approved or
// denied, in the consumer's package.json (this package's build) and in this repository's (its own tooling).

const INSTALL_TIMEOUT_MS = 300_000

describe('npm install from git', () => {
  let work: string
  let manifest: PackageManifest
  let installed: string
  let consumer: string

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'prisma-query-cache-git-'))
    const head = (await run('git', ['rev-parse', 'HEAD'], ROOT, 10_000)).trim()
    const repository = `git+file://${path.resolve(ROOT)}`
    const peers = await Promise.all(
      ['@prisma/client', 'ioredis'].map(async (name) => `${name}@${await installedVersion(name)}`),
    )
    consumer = await createConsumer(path.join(work, 'consumer'), [`${repository}#${head}`, ...peers], {
      allowScripts: { [repository]: true, 'msgpackr-extract': false },
      flags: ['--strict-allow-scripts'],
      timeoutMs: INSTALL_TIMEOUT_MS,
    })
    const { name } = JSON.parse(
      await run('git', ['show', `${head}:package.json`], ROOT, 10_000),
    ) as PackageManifest
    installed = path.join(consumer, 'node_modules', name)
    manifest = await readManifest(installed)
  }, INSTALL_TIMEOUT_MS + 30_000)

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true })
  })

  it('installs a built package: every file package.json points at', async () => {
    const missing: string[] = []
    for (const target of manifestTargets(manifest)) {
      await access(path.join(installed, target)).catch(() => missing.push(target))
    }
    expect(missing).toEqual([])
  })

  it('loads every exports entry by name through import and require', async () => {
    expectEveryEntryLoads(await loadEntries(consumer, manifest), manifest, installed)
  }, 60_000)
})
