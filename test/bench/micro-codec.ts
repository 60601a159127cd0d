// Micro-benchmark of the codec against the alternatives for the memory tier: store bytes and decode per
// hit, or store values and copy per hit. Run: npx tsx test/bench/micro-codec.ts
import { Decimal } from '@prisma/client/runtime/client'
import { Packr } from 'msgpackr'
import { createCodec } from '../../src/storage/codec.ts'
import { copyValue } from '../../src/storage/copy.ts'

const ROUNDS = 7
const TARGET_ROUND_MS = 150

function user(id: number) {
  return {
    id,
    email: `user${id}@example.com`,
    name: `User Number ${id}`,
    role: 'ADMIN',
    active: true,
    createdAt: new Date(1_700_000_000_123 + id),
    managerId: null,
    score: 41.5,
  }
}

function post(id: number) {
  return {
    id,
    title: `Caching read queries in Prisma, part ${id}`,
    published: id % 2 === 0,
    views: 1_234_567_890_123n + BigInt(id),
    rating: 4.25,
    metadata: { source: 'import', tags: ['orm', 'cache'], wordCount: 1200 + id, draft: { revision: 3 } },
    keywords: ['prisma', 'cache', 'redis'],
    authorId: 1,
    categoryId: 2,
    createdAt: new Date(1_710_000_000_456 + id),
    author: user(1),
  }
}

const CASES = {
  'one User row': user(1),
  '20 Post rows + author': Array.from({ length: 20 }, (_, i) => post(i + 1)),
  '20 Post rows + author + Decimal': Array.from({ length: 20 }, (_, i) => ({
    ...post(i + 1),
    price: new Decimal(`19.${i}9`),
  })),
} as const

/** Best µs per call over several rounds (the machine may be shared), each long enough to swamp timer resolution. */
function measure(fn: () => unknown): number {
  let calls = 1
  for (;;) {
    const start = performance.now()
    for (let i = 0; i < calls; i++) fn()
    if (performance.now() - start > TARGET_ROUND_MS / 4) break
    calls *= 2
  }
  calls *= 4
  const perCall: number[] = []
  for (let round = 0; round < ROUNDS; round++) {
    const start = performance.now()
    for (let i = 0; i < calls; i++) fn()
    perCall.push(((performance.now() - start) * 1000) / calls)
  }
  perCall.sort((a, b) => a - b)
  return perCall[0]!
}

/** A Decimal carries its constructor as an own property, which structuredClone refuses. */
function clonable(value: unknown): boolean {
  try {
    structuredClone(value)
    return true
  } catch {
    return false
  }
}

const codec = createCodec()
const mapsPackr = new Packr({ useRecords: false, useBigIntExtension: true })
const recordsPackr = new Packr({ useRecords: true, useBigIntExtension: true })

// A server caches many models, so every call site sees many object shapes: warm them all up first so
// the numbers are the megamorphic ones a real hit path gets, not the best case of a single shape.
for (let i = 0; i < 2000; i++) {
  for (const value of Object.values(CASES)) {
    codec.decode(codec.encode(value))
    copyValue(value)
    copyValue({ [`key${i % 16}`]: i, value })
  }
}

const rows: Record<string, string | number>[] = []
for (const [name, value] of Object.entries(CASES)) {
  const bytes = codec.encode(value)
  const maps = mapsPackr.pack(value)
  const records = recordsPackr.pack(value)
  rows.push({
    case: name,
    'encode µs': measure(() => codec.encode(value)),
    'decode µs': measure(() => codec.decode(bytes)),
    'copyValue µs': measure(() => copyValue(value)),
    'structuredClone µs': clonable(value) ? measure(() => structuredClone(value)) : 'throws',
    bytes: bytes.length,
    'raw records enc µs': measure(() => recordsPackr.pack(value)),
    'raw records dec µs': measure(() => recordsPackr.unpack(records)),
    'raw maps enc µs': measure(() => mapsPackr.pack(value)),
    'raw maps dec µs': measure(() => mapsPackr.unpack(maps)),
    'raw maps bytes': maps.length,
  })
}

for (const row of rows) {
  for (const [key, cell] of Object.entries(row)) {
    if (typeof cell === 'number' && key.includes('µs')) row[key] = Number(cell.toFixed(2))
  }
}
console.log(`node ${process.version}, best of ${ROUNDS} rounds`)
console.table(rows)
