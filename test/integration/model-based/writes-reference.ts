import fc from 'fast-check'
import { Prisma } from '../../../generated/prisma/client.ts'
import {
  countryCode,
  countryName,
  few,
  maybe,
  NESTED_WEIGHT,
  often,
  oneOf,
  role,
  sampleId,
  type WriteArbitrary,
  warehouseCode,
  warehouseId,
  write,
} from './write.ts'

/** Country.warehouses: 1:n, the list side of a Cascade relation keyed by a natural string id. */
const countryNested = oneOf<Prisma.CountryUpdateInput>(
  few(warehouseCode).map((codes) => ({ warehouses: { create: codes.map((code) => ({ code })) } })),
  few(warehouseCode).map((codes) => ({
    warehouses: { createMany: { data: codes.map((code) => ({ code })), skipDuplicates: true } },
  })),
  warehouseId.map((id) => ({ warehouses: { connect: { id } } })),
  fc.record({ id: warehouseId, code: warehouseCode }).map(({ id, code }) => ({
    warehouses: { connectOrCreate: { where: { id }, create: { code } } },
  })),
  warehouseId.map((id) => ({ warehouses: { disconnect: { id } } })),
  fc.array(warehouseId, { maxLength: 1 }).map((ids) => ({ warehouses: { set: ids.map((id) => ({ id })) } })),
  fc.record({ id: warehouseId, code: warehouseCode }).map(({ id, code }) => ({
    warehouses: { update: { where: { id }, data: { code } } },
  })),
  warehouseCode.map((code) => ({
    warehouses: { updateMany: { where: { code: { not: code } }, data: { code } } },
  })),
  fc.record({ id: warehouseId, code: warehouseCode }).map(({ id, code }) => ({
    warehouses: { upsert: { where: { id }, create: { code }, update: { code } } },
  })),
  warehouseId.map((id) => ({ warehouses: { delete: { id } } })),
  warehouseCode.map((code) => ({ warehouses: { deleteMany: { code } } })),
)

const countryWrites: WriteArbitrary[] = [
  often(
    fc
      .record({ code: countryCode, name: countryName, warehouses: maybe(few(warehouseCode)) })
      .map(({ code, name, warehouses }) =>
        write('country', 'create', {
          data: {
            code,
            name,
            warehouses:
              warehouses === undefined ? undefined : { create: warehouses.map((code) => ({ code })) },
          },
        }),
      ),
  ),
  few(fc.record({ code: countryCode, name: countryName })).map((data) =>
    write('country', 'createMany', { data, skipDuplicates: true }),
  ),
  few(fc.record({ code: countryCode, name: countryName })).map((data) =>
    write('country', 'createManyAndReturn', { data, skipDuplicates: true }),
  ),
  often(
    fc
      .record({ code: countryCode, name: maybe(countryName), nested: countryNested })
      .map(({ code, name, nested }) =>
        write('country', 'update', { where: { code }, data: { name, ...nested } }),
      ),
    NESTED_WEIGHT,
  ),
  // The referenced key changes: Warehouse.countryCode follows (ON UPDATE CASCADE).
  fc
    .record({ code: countryCode, to: countryCode })
    .map(({ code, to }) => write('country', 'update', { where: { code }, data: { code: to } })),
  fc
    .record({ code: countryCode, to: countryCode })
    .map(({ code, to }) => write('country', 'updateMany', { where: { code }, data: { code: to } })),
  fc
    .record({ name: countryName, to: countryName })
    .map(({ name, to }) => write('country', 'updateManyAndReturn', { where: { name }, data: { name: to } })),
  often(
    fc
      .record({ code: countryCode, name: countryName, nested: countryNested })
      .map(({ code, name, nested }) =>
        write('country', 'upsert', { where: { code }, create: { code, name }, update: nested }),
      ),
    NESTED_WEIGHT,
  ),
  countryCode.map((code) => write('country', 'delete', { where: { code } })),
  oneOf<Prisma.CountryWhereInput>(
    countryName.map((name) => ({ name })),
    fc.constant({ warehouses: { none: {} } }),
  ).map((where) => write('country', 'deleteMany', { where })),
]

const warehouseKey = fc.record({ countryCode, code: warehouseCode })

const warehouseWrites: WriteArbitrary[] = [
  often(
    fc
      .record({
        code: warehouseCode,
        country: oneOf<Prisma.CountryCreateNestedOneWithoutWarehousesInput>(
          countryCode.map((code) => ({ connect: { code } })),
          fc.record({ code: countryCode, name: countryName }).map(({ code, name }) => ({
            connectOrCreate: { where: { code }, create: { code, name } },
          })),
          fc.record({ code: countryCode, name: countryName }).map((data) => ({ create: data })),
        ),
      })
      .map((data) => write('warehouse', 'create', { data })),
  ),
  often(few(warehouseKey).map((data) => write('warehouse', 'createMany', { data, skipDuplicates: true }))),
  few(warehouseKey).map((data) =>
    write('warehouse', 'createManyAndReturn', { data, include: { country: true } }),
  ),
  often(
    fc
      .record({
        id: warehouseId,
        data: oneOf<Prisma.WarehouseUpdateArgs['data']>(
          warehouseCode.map((code) => ({ code })),
          countryCode.map((countryCode) => ({ countryCode })),
          countryCode.map((code) => ({ country: { connect: { code } } })),
          countryName.map((name) => ({ country: { update: { name } } })),
          fc.record({ code: countryCode, name: countryName }).map(({ code, name }) => ({
            country: { upsert: { create: { code, name }, update: { name } } },
          })),
          fc.record({ code: countryCode, name: countryName }).map(({ code, name }) => ({
            country: { connectOrCreate: { where: { code }, create: { code, name } } },
          })),
          fc.record({ code: countryCode, name: countryName }).map(({ code, name }) => ({
            country: { update: { code, name } },
          })),
        ),
      })
      .map(({ id, data }) => write('warehouse', 'update', { where: { id }, data })),
    NESTED_WEIGHT,
  ),
  fc
    .record({ countryCode, code: warehouseCode })
    .map(({ countryCode, code }) =>
      write('warehouse', 'updateMany', { where: { countryCode }, data: { code } }),
    ),
  fc.record({ code: warehouseCode, to: countryCode }).map(({ code, to }) =>
    write('warehouse', 'updateManyAndReturn', {
      where: { code },
      data: { countryCode: to },
      include: { country: true },
    }),
  ),
  warehouseKey.map((key) =>
    write('warehouse', 'upsert', {
      where: { countryCode_code: key },
      create: key,
      update: { code: key.code },
    }),
  ),
  oneOf<Prisma.WarehouseWhereUniqueInput>(
    warehouseId.map((id) => ({ id })),
    warehouseKey.map((key) => ({ countryCode_code: key })),
  ).map((where) => write('warehouse', 'delete', { where })),
  oneOf<Prisma.WarehouseWhereInput>(
    warehouseCode.map((code) => ({ code })),
    countryName.map((name) => ({ country: { name } })),
  ).map((where) => write('warehouse', 'deleteMany', { where })),
]

/** Every scalar type, for the codec's sake (G7) under the same coherence check. */
const sampleData = fc.record({
  str: fc.constantFrom('', 'é😀', 'plain'),
  int: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  big: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  float: fc.constantFrom(0, -0.5, 1e300, 3.25),
  dec: fc.constantFrom('0', '-1.5', '12345678901234567890.0123456789', '0.0000000001'),
  bool: fc.boolean(),
  date: fc.constantFrom(new Date('2020-02-29T12:34:56.789Z'), new Date(0)),
  json: fc.constantFrom<Prisma.InputJsonValue>({ k: [1, 2, { n: null }] }, 'str', 0, true),
  jsonOpt: fc.constantFrom<Prisma.NullableJsonNullValueInput | Prisma.InputJsonValue>(
    Prisma.DbNull,
    Prisma.JsonNull,
    { x: 1 },
  ),
  bytes: fc.uint8Array({ maxLength: 4 }).map((bytes) => Uint8Array.from(bytes)),
  role,
  optStr: fc.option(fc.constant('opt')),
  optDate: fc.option(fc.constant(new Date('1999-12-31T23:59:59.999Z'))),
  optDec: fc.option(fc.constant('3.1400000000')),
  optBig: fc.option(fc.constant(9007199254740993n)),
  optBytes: fc.option(fc.constant(Uint8Array.of(0, 255))),
  strs: fc.array(fc.constantFrom('a', ''), { maxLength: 2 }),
  ints: fc.array(fc.integer({ min: -5, max: 5 }), { maxLength: 2 }),
  bigs: fc.array(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), { maxLength: 2 }),
  floats: fc.array(fc.constantFrom(0.1, 2), { maxLength: 2 }),
  decs: fc.array(fc.constantFrom('1.1', '-0.0000000001'), { maxLength: 2 }),
  bools: fc.array(fc.boolean(), { maxLength: 2 }),
  dates: fc.array(fc.constant(new Date('2001-01-01T00:00:00.000Z')), { maxLength: 2 }),
  roles: fc.array(role, { maxLength: 2 }),
})

const sampleWrites: WriteArbitrary[] = [
  fc
    .record({ id: sampleId, data: sampleData })
    .map(({ id, data }) => write('sample', 'create', { data: { ...data, id } })),
  fc
    .record({ id: sampleId, data: sampleData })
    .map(({ id, data }) =>
      write('sample', 'upsert', { where: { id }, create: { ...data, id }, update: data }),
    ),
  fc
    .record({ id: sampleId, big: fc.bigInt({ min: -100n, max: 100n }) })
    .map(({ id, big }) =>
      write('sample', 'update', { where: { id }, data: { big: { increment: big }, optDec: null } }),
    ),
  sampleId.map((id) => write('sample', 'delete', { where: { id } })),
]

const auditLogWrites: WriteArbitrary[] = [
  fc.constantFrom('a', 'b').map((message) => write('auditLog', 'create', { data: { message } })),
  few(fc.constantFrom('a', 'b')).map((messages) =>
    write('auditLog', 'createMany', { data: messages.map((message) => ({ message })) }),
  ),
  fc
    .constantFrom('a', 'b')
    .map((message) => write('auditLog', 'updateMany', { where: { message }, data: { message: 'c' } })),
  fc.constantFrom('a', 'c').map((message) => write('auditLog', 'deleteMany', { where: { message } })),
]

/** Writes whose top-level model is Country, Warehouse, Sample or AuditLog. */
export const REFERENCE_WRITES: WriteArbitrary[] = [
  ...countryWrites,
  ...warehouseWrites,
  ...sampleWrites,
  ...auditLogWrites,
]
