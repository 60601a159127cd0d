/**
 * The steps of the model-based test on a provider: every model write (as generated against the PostgreSQL
 * schema, then adapted to the provider), transactions of them, and raw SQL in the provider's dialect.
 */
import fc from 'fast-check'
import type { ProviderFeatures } from '../../setup/providers.ts'
import { transactionWrites } from './compound.ts'
import { adaptWrite } from './provider-writes.ts'
import { MYSQL_RAW_WRITES } from './raw-writes-mysql.ts'
import { POSTGRESQL_RAW_WRITES } from './raw-writes-postgresql.ts'
import { SQLITE_RAW_WRITES } from './raw-writes-sqlite.ts'
import type { ModelWrite, Write } from './write.ts'
import { COMMENT_WRITES } from './writes-comments.ts'
import { POST_WRITES } from './writes-posts.ts'
import { REFERENCE_WRITES } from './writes-reference.ts'
import { TEAM_WRITES } from './writes-teams.ts'
import { USER_WRITES } from './writes-users.ts'

/** Every model write, as the generators write it: against the PostgreSQL schema. */
export const MODEL_WRITE = fc.oneof(
  ...USER_WRITES,
  ...POST_WRITES,
  ...COMMENT_WRITES,
  ...TEAM_WRITES,
  ...REFERENCE_WRITES,
)

/** Every model write, as `features`' provider runs it (see `provider-writes.ts`). */
export function modelWrites(features: ProviderFeatures): fc.Arbitrary<ModelWrite> {
  return MODEL_WRITE.map((write) => adaptWrite(write, features))
}

/** Raw SQL steps in each dialect. */
const RAW_WRITES: Readonly<Record<ProviderFeatures['dialect'], fc.Arbitrary<Write>[]>> = {
  postgresql: POSTGRESQL_RAW_WRITES,
  mysql: MYSQL_RAW_WRITES,
  sqlite: SQLITE_RAW_WRITES,
}

/**
 * One step on `features`' provider: a model write, now and then a transaction of some (`transactions`), or
 * raw SQL in the provider's dialect (`raw`).
 */
export function stepOn(
  features: ProviderFeatures,
  include: { transactions: boolean; raw: boolean },
): fc.Arbitrary<Write> {
  const model = modelWrites(features)
  return fc.oneof(
    { arbitrary: model, weight: 40 },
    ...(include.transactions
      ? transactionWrites(model, features).map((arbitrary) => ({ arbitrary, weight: 2 }))
      : []),
    ...(include.raw ? [{ arbitrary: fc.oneof(...RAW_WRITES[features.dialect]), weight: 3 }] : []),
  )
}
