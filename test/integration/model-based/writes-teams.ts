import fc from 'fast-check'
import type { Prisma } from '../../../generated/prisma/client.ts'
import {
  bio,
  email,
  few,
  maybe,
  membershipKey,
  membershipRole,
  NESTED_WEIGHT,
  often,
  oneOf,
  teamId,
  teamName,
  teamRef,
  title,
  userId,
  userName,
  userRef,
  type WriteArbitrary,
  write,
} from './write.ts'

const membershipWhere = membershipKey.map((key) => ({ userId_teamId: key }))

/** Explicit m2m from Team. */
const teamNested = oneOf<Prisma.TeamUpdateInput>(
  fc.record({ userId, role: membershipRole }).map(({ userId, role }) => ({
    memberships: { create: { role, user: { connect: { id: userId } } } },
  })),
  few(fc.record({ userId, role: membershipRole })).map((data) => ({
    memberships: { createMany: { data, skipDuplicates: true } },
  })),
  membershipWhere.map((where) => ({ memberships: { connect: where } })),
  fc.record({ where: membershipWhere, userId }).map(({ where, userId }) => ({
    memberships: { connectOrCreate: { where, create: { userId } } },
  })),
  membershipWhere.map((where) => ({ memberships: { disconnect: where } })),
  fc.array(membershipWhere, { maxLength: 1 }).map((where) => ({ memberships: { set: where } })),
  fc.record({ where: membershipWhere, role: membershipRole }).map(({ where, role }) => ({
    memberships: { update: { where, data: { role } } },
  })),
  membershipRole.map((role) => ({ memberships: { updateMany: { where: {}, data: { role } } } })),
  fc.record({ where: membershipWhere, role: membershipRole, userId }).map(({ where, role, userId }) => ({
    memberships: { upsert: { where, create: { role, userId }, update: { role } } },
  })),
  membershipWhere.map((where) => ({ memberships: { delete: where } })),
  membershipRole.map((role) => ({ memberships: { deleteMany: { role } } })),
  // Two and three levels deep.
  fc.record({ where: membershipWhere, active: fc.boolean() }).map(({ where, active }) => ({
    memberships: { update: { where, data: { user: { update: { active } } } } },
  })),
  fc.record({ address: email, title }).map(({ address, title }) => ({
    memberships: { create: { user: { create: { email: address, posts: { create: { title } } } } } },
  })),
)

const teamWrites: WriteArbitrary[] = [
  often(
    fc.record({ name: teamName, members: maybe(few(userId)) }).map(({ name, members }) =>
      write('team', 'create', {
        data: {
          name,
          memberships:
            members === undefined
              ? undefined
              : { create: members.map((id) => ({ user: { connect: { id } } })) },
        },
      }),
    ),
  ),
  few(teamName).map((names) =>
    write('team', 'createMany', { data: names.map((name) => ({ name })), skipDuplicates: true }),
  ),
  often(
    fc
      .record({ where: teamRef, name: maybe(teamName), nested: teamNested })
      .map(({ where, name, nested }) => write('team', 'update', { where, data: { name, ...nested } })),
    NESTED_WEIGHT,
  ),
  fc
    .record({ id: teamId, newId: teamId })
    .map(({ id, newId }) => write('team', 'update', { where: { id }, data: { id: newId } })),
  often(
    fc
      .record({ name: teamName, nested: teamNested })
      .map(({ name, nested }) =>
        write('team', 'upsert', { where: { name }, create: { name }, update: nested }),
      ),
    NESTED_WEIGHT,
  ),
  teamRef.map((where) => write('team', 'delete', { where })),
  oneOf<Prisma.TeamWhereInput>(
    teamName.map((name) => ({ name })),
    fc.constant({ memberships: { none: {} } }),
  ).map((where) => write('team', 'deleteMany', { where })),
]

const membershipWrites: WriteArbitrary[] = [
  often(
    fc
      .record({
        role: membershipRole,
        user: oneOf<Prisma.UserCreateNestedOneWithoutMembershipsInput>(
          userRef.map((where) => ({ connect: where })),
          fc.record({ where: userRef, address: email }).map(({ where, address }) => ({
            connectOrCreate: { where, create: { email: address } },
          })),
        ),
        team: oneOf<Prisma.TeamCreateNestedOneWithoutMembershipsInput>(
          teamRef.map((where) => ({ connect: where })),
          teamName.map((name) => ({ connectOrCreate: { where: { name }, create: { name } } })),
          teamName.map((name) => ({ create: { name } })),
        ),
      })
      .map((data) => write('membership', 'create', { data })),
  ),
  often(
    few(fc.record({ userId, teamId, role: membershipRole })).map((data) =>
      write('membership', 'createMany', { data, skipDuplicates: true }),
    ),
  ),
  few(fc.record({ userId, teamId })).map((data) =>
    write('membership', 'createManyAndReturn', {
      data,
      skipDuplicates: true,
      include: { user: true, team: true },
    }),
  ),
  often(
    fc
      .record({
        where: membershipWhere,
        data: oneOf<Prisma.MembershipUpdateArgs['data']>(
          membershipRole.map((role) => ({ role })),
          teamRef.map((where) => ({ team: { connect: where } })),
          teamName.map((name) => ({ team: { update: { name } } })),
          teamName.map((name) => ({ team: { upsert: { create: { name }, update: { name } } } })),
          userName.map((name) => ({ user: { update: { name } } })),
          userRef.map((where) => ({ user: { connect: where } })),
          fc.record({ userId, teamId }, { requiredKeys: [] }),
          bio.map((text) => ({
            user: { update: { profile: { upsert: { create: { bio: text }, update: { bio: text } } } } },
          })),
          fc.constant({ user: { update: { manager: { disconnect: true } } } }),
        ),
      })
      .map(({ where, data }) => write('membership', 'update', { where, data })),
    NESTED_WEIGHT,
  ),
  fc
    .record({ teamId, role: membershipRole })
    .map(({ teamId, role }) => write('membership', 'updateMany', { where: { teamId }, data: { role } })),
  fc
    .record({ active: fc.boolean(), role: membershipRole })
    .map(({ active, role }) =>
      write('membership', 'updateManyAndReturn', { where: { user: { active } }, data: { role } }),
    ),
  fc.record({ key: membershipKey, role: membershipRole }).map(({ key, role }) =>
    write('membership', 'upsert', {
      where: { userId_teamId: key },
      create: { ...key, role },
      update: { role },
    }),
  ),
  membershipWhere.map((where) => write('membership', 'delete', { where })),
  oneOf<Prisma.MembershipWhereInput>(
    membershipRole.map((role) => ({ role })),
    userId.map((userId) => ({ userId })),
    fc.constant({ team: { name: 'red' } }),
  ).map((where) => write('membership', 'deleteMany', { where })),
]

/** Writes whose top-level model is Team or Membership. */
export const TEAM_WRITES: WriteArbitrary[] = [...teamWrites, ...membershipWrites]
