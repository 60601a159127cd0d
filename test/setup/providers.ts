/**
 * The databases the integration suites run on, and what each one lacks: the one table that suites consult
 * when a provider behaves differently, so that every difference is named here and tested where it matters.
 */

/** Every provider, each with its own copy of the schema under `prisma/` (PostgreSQL's is the source). */
export const PROVIDERS = ['postgresql', 'mysql', 'mysql-relationmode', 'sqlite'] as const

export type Provider = (typeof PROVIDERS)[number]

/** Prisma's transaction isolation levels. */
export const ISOLATION_LEVELS = [
  'ReadUncommitted',
  'ReadCommitted',
  'RepeatableRead',
  'Serializable',
] as const

export type IsolationLevel = (typeof ISOLATION_LEVELS)[number]

/** What a provider has, as far as the tests need to know. */
export interface ProviderFeatures {
  readonly provider: Provider
  /** SQL dialect of raw statements (and of the cache's raw SQL analysis). */
  readonly dialect: 'postgresql' | 'mysql' | 'sqlite'
  /** Folder under `prisma/` with the schema and migrations (`''`: `prisma/` itself). */
  readonly schemaFolder: string
  /** Driver adapter package. */
  readonly adapter: string
  /** Lists of scalars and enums (`String[]`): PostgreSQL only. */
  readonly scalarLists: boolean
  /** `createManyAndReturn` and `updateManyAndReturn`: not on MySQL. */
  readonly returningBatches: boolean
  /** `skipDuplicates` on `createMany`: not on SQLite. */
  readonly skipDuplicates: boolean
  /** `onDelete: SetDefault`: not on InnoDB (the copies use Restrict), not with relationMode = "prisma". */
  readonly setDefault: boolean
  /** Foreign keys in the database; false with relationMode = "prisma", where Prisma emulates the actions. */
  readonly foreignKeys: boolean
  /** Isolation levels `$transaction` accepts. */
  readonly isolationLevels: readonly IsolationLevel[]
  /**
   * Whether an interactive transaction runs on a connection of its own. False on SQLite: the adapter has one
   * connection, so a query through the outer client while a transaction is open runs inside it.
   */
  readonly transactionConnection: boolean
}

/** Every provider's features. */
export const FEATURES: Readonly<Record<Provider, ProviderFeatures>> = {
  postgresql: {
    provider: 'postgresql',
    dialect: 'postgresql',
    schemaFolder: '',
    adapter: '@prisma/adapter-pg',
    scalarLists: true,
    returningBatches: true,
    skipDuplicates: true,
    setDefault: true,
    foreignKeys: true,
    isolationLevels: ISOLATION_LEVELS,
    transactionConnection: true,
  },
  mysql: {
    provider: 'mysql',
    dialect: 'mysql',
    schemaFolder: 'mysql',
    adapter: '@prisma/adapter-mariadb',
    scalarLists: false,
    returningBatches: false,
    skipDuplicates: true,
    setDefault: false,
    foreignKeys: true,
    isolationLevels: ISOLATION_LEVELS,
    transactionConnection: true,
  },
  'mysql-relationmode': {
    provider: 'mysql-relationmode',
    dialect: 'mysql',
    schemaFolder: 'mysql-relationmode',
    adapter: '@prisma/adapter-mariadb',
    scalarLists: false,
    returningBatches: false,
    skipDuplicates: true,
    setDefault: false,
    foreignKeys: false,
    isolationLevels: ISOLATION_LEVELS,
    transactionConnection: true,
  },
  sqlite: {
    provider: 'sqlite',
    dialect: 'sqlite',
    schemaFolder: 'sqlite',
    adapter: '@prisma/adapter-better-sqlite3',
    scalarLists: false,
    returningBatches: true,
    skipDuplicates: false,
    setDefault: true,
    foreignKeys: true,
    isolationLevels: ['Serializable'],
    transactionConnection: false,
  },
}
