import { execFile } from 'node:child_process'
import { mkdir, readFile, realpath, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { expect } from 'vitest'

// The package as a user gets it: its `exports` map, an empty project that installs it, and every entry loaded
// by name from there through ESM and CJS. Shared by the packaging tests.

const execFileAsync = promisify(execFile)

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** The conditions Node matches for `import`. */
export const ESM_CONDITIONS = ['node', 'import', 'default'] as const

/** The conditions Node matches for `require`. */
export const CJS_CONDITIONS = ['node', 'require', 'default'] as const

/** The part of a package.json the packaging tests read. */
export interface PackageManifest {
  name: string
  type?: string
  exports: unknown
  main?: string
  module?: string
  types?: string
}

/** One entry of an `exports` map, with the specifier a user imports it by. */
export interface ExportEntry {
  /** `prisma-query-cache` for `.`, `prisma-query-cache/accelerate` for `./accelerate`. */
  specifier: string
  /** The entry's value: a path or nested conditions. */
  target: unknown
  /** A JSON file (`./package.json`): loaded with an import attribute, no types. */
  json: boolean
}

/** The subpath of the root entry, which is imported by the package name alone. */
const ROOT_SUBPATH = '.'

/** Every entry of `manifest.exports`, in map order. Subpath patterns (`./*`) fail: nothing here expands them. */
export function exportEntries(manifest: PackageManifest): ExportEntry[] {
  const { exports } = manifest
  // Node's rule: keys starting with "." are subpaths; anything else is the root entry's target itself.
  const subpaths = isConditions(exports) && Object.keys(exports).every((key) => key.startsWith('.'))
  const map = subpaths ? exports : { [ROOT_SUBPATH]: exports }
  return Object.entries(map).map(([subpath, target]) => {
    if (subpath.includes('*')) throw new Error(`exports "${subpath}": subpath patterns are not covered`)
    const file = resolveExport(target, ESM_CONDITIONS) ?? resolveExport(target, CJS_CONDITIONS)
    return {
      specifier: subpath === ROOT_SUBPATH ? manifest.name : `${manifest.name}/${subpath.slice(2)}`,
      target,
      json: file?.endsWith('.json') ?? false,
    }
  })
}

/** Every file path in an `exports` map, through nested conditions. */
function exportTargets(exports: unknown): string[] {
  if (typeof exports === 'string') return [exports]
  if (!isConditions(exports)) return []
  return Object.values(exports).flatMap(exportTargets)
}

/** Every file package.json points at: the `exports` targets plus `main`, `module` and `types`. */
export function manifestTargets(manifest: PackageManifest): string[] {
  const fields = [manifest.main, manifest.module, manifest.types].filter((field) => field !== undefined)
  return [...new Set([...exportTargets(manifest.exports), ...fields])]
}

/**
 * The path an `exports` entry resolves to under `conditions`: Node's rule, the first key in object order that
 * is one of the conditions or `default`, then the same inside it.
 */
export function resolveExport(target: unknown, conditions: readonly string[]): string | undefined {
  if (typeof target === 'string') return target
  if (!isConditions(target)) return undefined
  for (const [condition, value] of Object.entries(target)) {
    if (condition !== 'default' && !conditions.includes(condition)) continue
    const resolved = resolveExport(value, conditions)
    if (resolved !== undefined) return resolved
  }
  return undefined
}

/**
 * The format a file of the package is loaded in, ESM or CommonJS: by its extension, else by package.json
 * `type`. TypeScript applies the same rule to types files (`.d.mts`, `.d.cts`, `.d.ts`).
 */
export function moduleFormat(file: string, manifest: PackageManifest): 'esm' | 'cjs' {
  if (/\.(d\.)?mts$|\.mjs$/.test(file)) return 'esm'
  if (/\.(d\.)?cts$|\.cjs$/.test(file)) return 'cjs'
  return manifest.type === 'module' ? 'esm' : 'cjs'
}

function isConditions(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** Reads a package.json. */
export async function readManifest(directory: string): Promise<PackageManifest> {
  return JSON.parse(await readFile(path.join(directory, 'package.json'), 'utf8')) as PackageManifest
}

/** The version of a package installed in the repository (so an install can find it in the npm cache). */
export async function installedVersion(name: string): Promise<string> {
  const manifest = JSON.parse(await readFile(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8'))
  return (manifest as { version: string }).version
}

/**
 * The environment for a child `npm`: this one without the variables npm sets for the script that runs the
 * tests (`npm test`), which would otherwise describe this repository to a command run elsewhere.
 */
function childEnv(): NodeJS.ProcessEnv {
  const scriptVariable = /^(npm_package_|npm_lifecycle_|npm_command$|npm_config_local_prefix$|INIT_CWD$)/i
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !scriptVariable.test(key)))
}

/** Runs a command, with `childEnv()`; rejects with its output when it fails. */
export async function run(
  command: string,
  args: readonly string[],
  cwd: string,
  timeoutMs: number,
): Promise<string> {
  try {
    const { stdout } = await execFileAsync(command, args, {
      cwd,
      env: childEnv(),
      timeout: timeoutMs,
      maxBuffer: 16 * 1024 * 1024,
    })
    return stdout
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string }
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}\n${stdout}\n${stderr}`, { cause: error })
  }
}

/** Flags for every `npm install` here: the npm cache first (the repository's install filled it), no reports. */
const NPM_INSTALL_FLAGS = ['--prefer-offline', '--no-audit', '--no-fund', '--no-update-notifier']

/**
 * An empty project in `directory` (created), with `allowScripts` as given, and `npm install` of `specs` in it.
 * Returns the project's real path (what Node and TypeScript report resolved files under).
 */
export async function createConsumer(
  directory: string,
  specs: readonly string[],
  {
    allowScripts = {},
    flags = [],
    timeoutMs,
  }: { allowScripts?: Record<string, boolean>; flags?: string[]; timeoutMs: number },
): Promise<string> {
  await mkdir(directory, { recursive: true })
  const manifest = { name: 'consumer', version: '1.0.0', private: true, allowScripts }
  await writeFile(path.join(directory, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`)
  await run('npm', ['install', ...NPM_INSTALL_FLAGS, ...flags, ...specs], directory, timeoutMs)
  return realpath(directory)
}

/** What loading one entry by name reports: the file it resolved to and its exports' names and types. */
export interface EntryReport {
  resolved: string
  exports: Record<string, string>
}

/** What each format reports: one `EntryReport` per specifier, and the root entry's behaviour. */
export interface LoadReport {
  entries: Record<string, EntryReport>
  root: RootReport
}

/** What the root entry does when used: the public API's shape and its lazy load of ioredis. */
export interface RootReport {
  queryCache: string
  queryCacheErrorIsClass: boolean
  queryCacheErrorExtendsError: boolean
  redisUrlLoadsIoredis: string
}

/** The `RootReport` of the root entry loaded as `pkg`, as a JavaScript expression. */
export const ROOT_REPORT = `({
  queryCache: typeof pkg.queryCache,
  queryCacheErrorIsClass:
    typeof pkg.QueryCacheError === 'function' && /^class\\b/.test(Function.prototype.toString.call(pkg.QueryCacheError)),
  queryCacheErrorExtendsError: typeof pkg.QueryCacheError === 'function' && pkg.QueryCacheError.prototype instanceof Error,
  // A Redis URL makes the extension load ioredis itself (createRequire, which needs import.meta.url in CJS too).
  redisUrlLoadsIoredis: (() => {
    const client = {
      _runtimeDataModel: { models: {} },
      _engineConfig: {},
      $transaction() {},
      $extends: (extension) => extension,
    }
    try {
      const extension = pkg.queryCache({ redis: 'redis://127.0.0.1:1', redisTimeout: 1 })(client)
      extension.client.$cache.close()
      return 'ok'
    } catch (error) {
      return String(error)
    }
  })(),
})`

/** The root entry's report when it works. */
export const WORKING_ROOT: RootReport = {
  queryCache: 'function',
  queryCacheErrorIsClass: true,
  queryCacheErrorExtendsError: true,
  redisUrlLoadsIoredis: 'ok',
}

const DESCRIBE_EXPORTS = `(value) =>
  Object.fromEntries(Object.keys(value).sort().map((name) => [name, typeof value[name]]))`

const ESM_LOADER = `import { fileURLToPath } from 'node:url'
const [rootSpecifier, entries] = JSON.parse(process.argv[2])
const describeExports = ${DESCRIBE_EXPORTS}
const report = { entries: {} }
for (const { specifier, json } of entries) {
  const loaded = json ? (await import(specifier, { with: { type: 'json' } })).default : await import(specifier)
  report.entries[specifier] = {
    resolved: fileURLToPath(import.meta.resolve(specifier)),
    exports: describeExports(loaded),
  }
}
const pkg = await import(rootSpecifier)
report.root = ${ROOT_REPORT}
console.log(JSON.stringify(report))
process.exit(0)
`

const CJS_LOADER = `const [rootSpecifier, entries] = JSON.parse(process.argv[2])
const describeExports = ${DESCRIBE_EXPORTS}
const report = { entries: {} }
for (const { specifier } of entries) {
  report.entries[specifier] = { resolved: require.resolve(specifier), exports: describeExports(require(specifier)) }
}
const pkg = require(rootSpecifier)
report.root = ${ROOT_REPORT}
console.log(JSON.stringify(report))
process.exit(0)
`

/**
 * Loads every entry of the installed package by name from `consumerDir`, once as ESM (`import`) and once as
 * CommonJS (`require`), each in its own Node process.
 */
export async function loadEntries(
  consumerDir: string,
  manifest: PackageManifest,
): Promise<{ esm: LoadReport; cjs: LoadReport }> {
  await writeFile(path.join(consumerDir, 'load.mjs'), ESM_LOADER)
  await writeFile(path.join(consumerDir, 'load.cjs'), CJS_LOADER)
  const argument = JSON.stringify([manifest.name, exportEntries(manifest)])
  const load = async (script: string) => {
    const stdout = await run(process.execPath, [script, argument], consumerDir, 30_000)
    return JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as LoadReport
  }
  const [esm, cjs] = await Promise.all([load('load.mjs'), load('load.cjs')])
  return { esm, cjs }
}

/**
 * Asserts that every entry resolved, in each format, to the file its `exports` conditions name inside the
 * installed package, that ESM and CJS expose the same non-empty exports, and that the root entry works.
 */
export function expectEveryEntryLoads(
  reports: { esm: LoadReport; cjs: LoadReport },
  manifest: PackageManifest,
  installedDir: string,
): void {
  for (const { specifier, target } of exportEntries(manifest)) {
    const esm = reports.esm.entries[specifier]
    const cjs = reports.cjs.entries[specifier]
    const esmFile = resolveExport(target, ESM_CONDITIONS)
    const cjsFile = resolveExport(target, CJS_CONDITIONS)
    expect(esmFile, `exports for import '${specifier}'`).toBeDefined()
    expect(cjsFile, `exports for require('${specifier}')`).toBeDefined()
    expect(esm?.resolved, `import '${specifier}'`).toBe(path.join(installedDir, esmFile ?? ''))
    expect(cjs?.resolved, `require('${specifier}')`).toBe(path.join(installedDir, cjsFile ?? ''))
    expect(Object.keys(esm?.exports ?? {}), `exports of '${specifier}'`).not.toEqual([])
    expect(cjs?.exports, `require('${specifier}') against import '${specifier}'`).toEqual(esm?.exports)
  }
  expect(reports.esm.root).toEqual(WORKING_ROOT)
  expect(reports.cjs.root).toEqual(WORKING_ROOT)
}
