/**
 * Another version of this package, taken from git, to measure beside the working tree in one process: its
 * `src/` is extracted into a temporary folder next to a link to this repository's node_modules and imported as
 * TypeScript (tsx), so no build is needed.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type * as current from '../../src/index.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** The package as it was at `ref`, its short commit, and how to remove the extracted copy. */
export interface OtherBuild {
  readonly module: typeof current
  readonly commit: string
  remove(): void
}

/** Extracts `src/` at `ref` and imports its `index.ts`. */
export async function otherBuild(ref: string): Promise<OtherBuild> {
  const commit = execFileSync('git', ['rev-parse', '--short', ref], { cwd: ROOT }).toString().trim()
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pqc-build-'))
  const archive = execFileSync('git', ['archive', '--format=tar', ref, 'src'], {
    cwd: ROOT,
    maxBuffer: 1 << 28,
  })
  execFileSync('tar', ['-x', '-C', dir], { input: archive })
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir')
  const module = (await import(pathToFileURL(path.join(dir, 'src/index.ts')).href)) as typeof current
  return { module, commit, remove: () => rmSync(dir, { recursive: true, force: true }) }
}
