import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { cachedClient } from './helpers.ts'
import { describeScopes } from './suites/scope.ts'

const fixture = describeScopes('postgresql')

// PostgreSQL only: row-level security, with a role and a per-request setting inside a transaction.

describe('row-level security: per-request set_config inside a transaction', () => {
  it('is safe: reads in the transaction see only the tenant rows and are never cached or shared', async () => {
    const admin = new pg.Client({ connectionString: fixture.db.url })
    await admin.connect()
    const role = `pqc_rls_${fixture.db.schema}`.slice(0, 60)
    await admin.query(`CREATE ROLE "${role}" NOLOGIN`)
    try {
      await admin.query(`GRANT USAGE ON SCHEMA "${fixture.db.schema}" TO "${role}"`)
      await admin.query(
        `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "${fixture.db.schema}" TO "${role}"`,
      )
      await admin.query('ALTER TABLE posts ENABLE ROW LEVEL SECURITY')
      await admin.query(
        "CREATE POLICY tenant_posts ON posts USING (author_id = nullif(current_setting('app.user_id', true), '')::int)",
      )
      const { prisma, base } = cachedClient(fixture.db)
      const alice = await base.user.create({
        data: { email: 'alice@x.io', posts: { create: { title: 'alice post' } } },
      })
      const bob = await base.user.create({
        data: { email: 'bob@x.io', posts: { create: { title: 'bob post' } } },
      })
      const postsAs = (userId: number) =>
        prisma.$transaction(async (tx) => {
          await tx.$executeRawUnsafe(`SET LOCAL ROLE "${role}"`)
          await tx.$queryRaw`SELECT set_config('app.user_id', ${String(userId)}, true)`
          return tx.post.findMany({ cacheStrategy: { ttl: 3600 } }).withCacheInfo()
        })
      const a = await postsAs(alice.id)
      const b = await postsAs(bob.id)
      expect(a.info.status).toBe('bypass')
      expect(a.data.map((p) => p.title)).toEqual(['alice post'])
      expect(b.data.map((p) => p.title)).toEqual(['bob post'])
      expect(prisma.$cache.stats().tiers.memory?.entries ?? 0).toBe(0)
      await prisma.$cache.close()
    } finally {
      await admin.query('DROP POLICY IF EXISTS tenant_posts ON posts')
      await admin.query('ALTER TABLE posts DISABLE ROW LEVEL SECURITY')
      await admin.query(`REVOKE ALL ON ALL TABLES IN SCHEMA "${fixture.db.schema}" FROM "${role}"`)
      await admin.query(`REVOKE ALL ON SCHEMA "${fixture.db.schema}" FROM "${role}"`)
      await admin.query(`DROP ROLE "${role}"`)
      await admin.end()
    }
  })
})
