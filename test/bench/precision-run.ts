/**
 * `npm run bench:precision`: the "hit rate under writes" scenario alone (see `precision.ts`), this tree against
 * the model-level design it replaced (BENCH_BASELINE_REF, default the last commit before row precision), plus
 * the cost of a write. BENCH_SCALE multiplies the number of operations (default 4,000 per run).
 */
import * as current from '../../src/index.ts'
import { createTestDatabase } from '../setup/database.ts'
import { createTestRedis } from '../setup/redis.ts'
import { DATABASE_URL, REDIS_URL, seed } from './fixtures.ts'
import { otherBuild } from './other-build.ts'
import { measureHitRateUnderWrites, measureWriteCost, precisionTable } from './precision.ts'

const SCALE = Number(process.env.BENCH_SCALE ?? 1)
const BASELINE = process.env.BENCH_BASELINE_REF ?? 'ff6d5de'

const baseline = await otherBuild(BASELINE)
const db = await createTestDatabase({ url: DATABASE_URL, label: 'precision' })
const redis = createTestRedis({ url: REDIS_URL })
try {
  const reset = async () => {
    await db.truncateAll()
    await seed(db.createClient().client)
  }
  const designs = [
    { name: 'row-level (this tree)', queryCache: current.queryCache },
    { name: `model-level (${baseline.commit})`, queryCache: baseline.module.queryCache },
  ]
  const count = Math.max(200, Math.round(4_000 * SCALE))
  const results = await measureHitRateUnderWrites(db, redis, designs, count, reset)
  await reset()
  const cost = await measureWriteCost(db, current.queryCache, Math.max(50, Math.round(1_000 * SCALE)))
  console.log(precisionTable(results, cost, count))
} finally {
  await redis.close()
  await db.drop()
  baseline.remove()
}
