import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ProviderFeatures } from './providers.ts'

/** One migration folder's SQL. */
export interface Migration {
  /** Folder name, e.g. `20261125000000_init`. */
  name: string
  sql: string
}

/** The provider's folder under `prisma/`: `prisma/` itself for PostgreSQL, `prisma/<copy>/` for the others. */
function prismaFolder(features: ProviderFeatures): URL {
  const folder = features.schemaFolder === '' ? '' : `${features.schemaFolder}/`
  return new URL(`../../prisma/${folder}`, import.meta.url)
}

/** The provider's copy of the schema (PostgreSQL's is the source). */
export function schemaFile(features: ProviderFeatures): string {
  return fileURLToPath(new URL('schema.prisma', prismaFolder(features)))
}

/** The provider's migrations folder: `prisma/migrations` or `prisma/<copy>/migrations`. */
export function migrationsDir(features: ProviderFeatures): string {
  return fileURLToPath(new URL('migrations/', prismaFolder(features)))
}

const cache = new Map<string, Promise<Migration[]>>()

/** Every `migration.sql` of the provider, sorted by folder name (their timestamps), read once per worker. */
export function readMigrations(features: ProviderFeatures): Promise<Migration[]> {
  const dir = migrationsDir(features)
  let migrations = cache.get(dir)
  if (migrations === undefined) {
    migrations = (async () => {
      const entries = await readdir(dir, { withFileTypes: true })
      const names = entries
        .filter((entry) => entry.isDirectory())
        .map((entry) => entry.name)
        .sort()
      if (names.length === 0) throw new Error(`No migrations in ${dir}`)
      return Promise.all(
        names.map(async (name) => ({
          name,
          sql: await readFile(path.join(dir, name, 'migration.sql'), 'utf8'),
        })),
      )
    })()
    cache.set(dir, migrations)
  }
  return migrations
}
