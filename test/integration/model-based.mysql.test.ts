/**
 * G2 on MariaDB with foreign keys: the model-based property test of `model-based.test.ts`, with the writes, cascades,
 * transactions and raw SQL (in this provider's dialect) that the provider has; `model-based/provider-writes.ts`
 * says what replaces what it lacks. Environment knobs: `model-based/suite.ts`.
 */
import { useFixture } from './helpers.ts'
import { describeModelBased, providerConfigurations } from './model-based/suite.ts'

const fixture = useFixture({ truncate: false, provider: 'mysql' })

describeModelBased(
  'model-based [mysql]: cached reads equal uncached reads after any writes (G2)',
  fixture,
  providerConfigurations(fixture),
  20,
)
