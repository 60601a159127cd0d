/**
 * G2 on MariaDB with relationMode = "prisma" (no foreign keys: Prisma emulates the referential actions of its
 * own writes, raw SQL cascades nowhere): the model-based property test of `model-based.test.ts`, with the
 * writes, cascades, transactions and raw SQL (in this provider's dialect) that the provider has;
 * `model-based/provider-writes.ts` says what replaces what it lacks. Environment knobs: `model-based/suite.ts`.
 */
import { useFixture } from './helpers.ts'
import { describeModelBased, providerConfigurations } from './model-based/suite.ts'

const fixture = useFixture({ truncate: false, provider: 'mysql-relationmode' })

describeModelBased(
  'model-based [mysql-relationmode]: cached reads equal uncached reads after any writes (G2)',
  fixture,
  providerConfigurations(fixture),
  30,
)
