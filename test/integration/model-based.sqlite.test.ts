/**
 * G2 on SQLite: the model-based property test of `model-based.test.ts`, with the writes, cascades,
 * transactions and raw SQL (in this provider's dialect) that the provider has; `model-based/provider-writes.ts`
 * says what replaces what it lacks. Environment knobs: `model-based/suite.ts`.
 */
import { useFixture } from './helpers.ts'
import { describeModelBased, providerConfigurations } from './model-based/suite.ts'

const fixture = useFixture({ truncate: false, provider: 'sqlite' })

describeModelBased(
  'model-based [sqlite]: cached reads equal uncached reads after any writes (G2)',
  fixture,
  providerConfigurations(fixture),
  40,
)
