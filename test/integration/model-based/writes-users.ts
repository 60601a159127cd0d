import fc from 'fast-check'
import type { Prisma } from '../../../generated/prisma/client.ts'
import {
  bio,
  body,
  categoryId,
  commentId,
  email,
  few,
  maybe,
  membershipKey,
  membershipRole,
  NESTED_WEIGHT,
  often,
  oneOf,
  postId,
  postRef,
  profileId,
  role,
  sometimes,
  tagName,
  tagRef,
  teamId,
  teamName,
  title,
  userId,
  userName,
  userRef,
  type WriteArbitrary,
  write,
} from './write.ts'

const userScalars = fc.record({ name: userName, active: fc.boolean(), role }, { requiredKeys: [] })

/** Nested writes on every relation of User, one relation and operation at a time (each relation equally likely). */
const userNested = oneOf<Prisma.UserUpdateInput>(
  // Profile: 1:1, from the side without the foreign key.
  oneOf<Prisma.UserUpdateInput>(
    bio.map((text) => ({ profile: { create: { bio: text } } })),
    bio.map((text) => ({ profile: { update: { bio: text } } })),
    bio.map((text) => ({ profile: { upsert: { create: { bio: text }, update: { bio: text } } } })),
    fc.constant({ profile: { delete: true } }),
    bio.map((text) => ({ profile: { delete: { bio: text } } })),
    fc.constant({ profile: { disconnect: true } }),
    profileId.map((id) => ({ profile: { connect: { id } } })),
    fc
      .record({ id: profileId, text: bio })
      .map(({ id, text }) => ({ profile: { connectOrCreate: { where: { id }, create: { bio: text } } } })),
  ),
  // Manager: self-relation, the to-one side.
  oneOf<Prisma.UserUpdateInput>(
    userRef.map((where) => ({ manager: { connect: where } })),
    fc.constant({ manager: { disconnect: true } }),
    userName.map((name) => ({ manager: { disconnect: { name } } })),
    email.map((address) => ({ manager: { create: { email: address } } })),
    fc
      .record({ where: userRef, address: email })
      .map(({ where, address }) => ({ manager: { connectOrCreate: { where, create: { email: address } } } })),
    userScalars.map((data) => ({ manager: { update: data } })),
    fc
      .record({ address: email, data: userScalars })
      .map(({ address, data }) => ({ manager: { upsert: { create: { email: address }, update: data } } })),
    fc.constant({ manager: { delete: true } }),
  ),
  // Reports: self-relation, the list side.
  oneOf<Prisma.UserUpdateInput>(
    few(userRef).map((where) => ({ reports: { connect: where } })),
    few(userRef).map((where) => ({ reports: { disconnect: where } })),
    fc.array(userRef, { maxLength: 2 }).map((where) => ({ reports: { set: where } })),
    few(email).map((addresses) => ({
      reports: { create: addresses.map((address) => ({ email: address })) },
    })),
    few(email).map((addresses) => ({
      reports: {
        createMany: { data: addresses.map((address) => ({ email: address })), skipDuplicates: true },
      },
    })),
    fc
      .record({ where: userRef, data: userScalars })
      .map(({ where, data }) => ({ reports: { update: { where, data } } })),
    userScalars.map((data) => ({ reports: { updateMany: { where: { active: true }, data } } })),
    userRef.map((where) => ({ reports: { delete: where } })),
    userName.map((name) => ({ reports: { deleteMany: { name } } })),
  ),
  // Posts: 1:n, the list side (Post.author is SetNull).
  oneOf<Prisma.UserUpdateInput>(
    few(fc.record({ title, published: fc.boolean() })).map((data) => ({ posts: { create: data } })),
    few(fc.record({ title, categoryId })).map((data) => ({ posts: { createMany: { data } } })),
    few(postRef).map((where) => ({ posts: { connect: where } })),
    fc
      .record({ id: postId, title })
      .map(({ id, title }) => ({ posts: { connectOrCreate: { where: { id }, create: { title } } } })),
    few(postRef).map((where) => ({ posts: { disconnect: where } })),
    fc.array(postRef, { maxLength: 2 }).map((where) => ({ posts: { set: where } })),
    fc
      .record({ id: postId, title })
      .map(({ id, title }) => ({ posts: { update: { where: { id }, data: { title } } } })),
    fc.boolean().map((published) => ({
      posts: { updateMany: { where: { published: !published }, data: { published } } },
    })),
    fc.record({ id: postId, title }).map(({ id, title }) => ({
      posts: { upsert: { where: { id }, create: { title }, update: { title, views: { increment: 1 } } } },
    })),
    postRef.map((where) => ({ posts: { delete: where } })),
    fc.boolean().map((published) => ({ posts: { deleteMany: { published } } })),
  ),
  // Comments: 1:n, the list side (Comment.author is Cascade).
  oneOf<Prisma.UserUpdateInput>(
    fc.record({ body, postId }).map((data) => ({ comments: { create: data } })),
    few(fc.record({ body, postId })).map((data) => ({ comments: { createMany: { data } } })),
    fc.record({ id: commentId, text: body }).map(({ id, text }) => ({
      comments: { update: { where: { id }, data: { body: text } } },
    })),
    body.map((text) => ({ comments: { updateMany: { where: {}, data: { body: text } } } })),
    fc.record({ id: commentId, text: body, postId }).map(({ id, text, postId }) => ({
      comments: { upsert: { where: { id }, create: { body: text, postId }, update: { body: text } } },
    })),
    commentId.map((id) => ({ comments: { connect: { id } } })),
    commentId.map((id) => ({ comments: { delete: { id } } })),
    body.map((text) => ({ comments: { deleteMany: { body: text } } })),
  ),
  // Memberships: explicit m2m, from User.
  oneOf<Prisma.UserUpdateInput>(
    fc
      .record({ teamId, role: membershipRole })
      .map(({ teamId, role }) => ({ memberships: { create: { role, team: { connect: { id: teamId } } } } })),
    few(fc.record({ teamId, role: membershipRole })).map((data) => ({
      memberships: { createMany: { data, skipDuplicates: true } },
    })),
    fc.record({ teamId, role: membershipRole }).map(({ teamId, role }) => ({
      memberships: { updateMany: { where: { teamId }, data: { role } } },
    })),
    teamId.map((teamId) => ({ memberships: { deleteMany: { teamId } } })),
  ),
  // Two and three levels deep: the nested write's own nested writes reach further models.
  oneOf<Prisma.UserUpdateInput>(
    fc.record({ id: postId, where: fc.array(tagRef, { maxLength: 2 }) }).map(({ id, where }) => ({
      posts: { update: { where: { id }, data: { tags: { set: where } } } },
    })),
    fc.record({ id: postId, title, tag: tagName }).map(({ id, title, tag }) => ({
      posts: {
        upsert: {
          where: { id },
          create: { title, tags: { connectOrCreate: { where: { name: tag }, create: { name: tag } } } },
          update: { comments: { deleteMany: {} } },
        },
      },
    })),
    fc.record({ title, text: body, author: userRef }).map(({ title, text, author }) => ({
      posts: { create: { title, comments: { create: { body: text, author: { connect: author } } } } },
    })),
    fc.record({ key: membershipKey, name: teamName }).map(({ key, name }) => ({
      memberships: { update: { where: { userId_teamId: key }, data: { team: { update: { name } } } } },
    })),
    fc.constant({ manager: { update: { posts: { deleteMany: { published: false } } } } }),
  ),
)

/** Writes whose top-level model is User. */
const userWrites: WriteArbitrary[] = [
  often(
    fc
      .record(
        {
          email,
          name: userName,
          role,
          manager: sometimes(userRef.map((where) => ({ connect: where }))),
          profile: sometimes(bio.map((text) => ({ create: { bio: text } }))),
          posts: sometimes(
            few(fc.record({ title, published: fc.boolean() })).map((data) => ({ create: data })),
          ),
          reports: sometimes(few(userRef).map((where) => ({ connect: where }))),
          memberships: sometimes(
            few(teamId).map((ids) => ({ create: ids.map((id) => ({ team: { connect: { id } } })) })),
          ),
        },
        { requiredKeys: ['email', 'manager', 'profile', 'posts', 'reports', 'memberships'] },
      )
      .map((data) => write('user', 'create', { data })),
  ),
  often(
    fc
      .record({
        data: few(fc.record({ email, name: userName, managerId: fc.option(userId) })),
        skip: fc.boolean(),
      })
      .map(({ data, skip }) => write('user', 'createMany', { data, skipDuplicates: skip })),
  ),
  few(fc.record({ email, managerId: fc.option(userId) })).map((data) =>
    write('user', 'createManyAndReturn', { data, include: { manager: true } }),
  ),
  often(
    fc
      .record({ id: userId, scalars: maybe(userScalars), nested: userNested })
      .map(({ id, scalars, nested }) =>
        write('user', 'update', { where: { id }, data: { ...scalars, ...nested } }),
      ),
    NESTED_WEIGHT,
  ),
  fc
    .record({ where: userRef, address: email })
    .map(({ where, address }) => write('user', 'update', { where, data: { email: address } })),
  // Changing the referenced key: ON UPDATE CASCADE rewrites every foreign key that points at it.
  fc
    .record({ id: userId, newId: userId })
    .map(({ id, newId }) => write('user', 'update', { where: { id }, data: { id: newId } })),
  fc
    .record({ id: userId, managerId: fc.option(userId) })
    .map(({ id, managerId }) => write('user', 'update', { where: { id }, data: { managerId } })),
  fc
    .record({ active: fc.boolean(), data: userScalars })
    .map(({ active, data }) => write('user', 'updateMany', { where: { active }, data })),
  fc
    .record({ max: userId, data: userScalars })
    .map(({ max, data }) =>
      write('user', 'updateManyAndReturn', { where: { id: { lte: max }, posts: { some: {} } }, data }),
    ),
  often(
    fc
      .record({
        address: email,
        name: userName,
        // When the user does not exist, the create side's own nested writes run instead.
        created: oneOf<Omit<Prisma.UserCreateInput, 'email'>>(
          fc.constant({}),
          bio.map((text) => ({ profile: { create: { bio: text } } })),
          fc.record({ title, teamId }).map(({ title, teamId }) => ({
            posts: { create: { title } },
            memberships: { create: { team: { connect: { id: teamId } } } },
          })),
        ),
        nested: userNested,
      })
      .map(({ address, name, created, nested }) =>
        write('user', 'upsert', {
          where: { email: address },
          create: { ...created, email: address, name },
          update: nested,
        }),
      ),
    NESTED_WEIGHT,
  ),
  userRef.map((where) => write('user', 'delete', { where })),
  oneOf<Prisma.UserWhereInput>(
    few(userId).map((ids) => ({ id: { in: ids } })),
    fc.constant({ active: false, role: 'USER' as const }),
    fc.constant({ posts: { none: {} }, comments: { none: {} }, managerId: { not: null } }),
    userName.map((name) => ({ manager: { is: { name } } })),
  ).map((where) => write('user', 'deleteMany', { where })),
]

/** Writes whose top-level model is Profile (1:1, the side with the foreign key). */
const profileWrites: WriteArbitrary[] = [
  often(
    fc
      .record({
        text: bio,
        user: oneOf<Prisma.UserCreateNestedOneWithoutProfileInput>(
          userRef.map((where) => ({ connect: where })),
          fc.record({ where: userRef, address: email }).map(({ where, address }) => ({
            connectOrCreate: { where, create: { email: address } },
          })),
          fc
            .record({ address: email, name: userName })
            .map(({ address, name }) => ({ create: { email: address, name } })),
        ),
      })
      .map(({ text, user }) => write('profile', 'create', { data: { bio: text, user } })),
  ),
  often(
    fc
      .record({ text: bio, userId })
      .map(({ text, userId }) => write('profile', 'create', { data: { bio: text, userId } })),
  ),
  few(fc.record({ bio, userId })).map((data) =>
    write('profile', 'createMany', { data, skipDuplicates: true }),
  ),
  few(fc.record({ bio, userId })).map((data) =>
    write('profile', 'createManyAndReturn', { data, include: { user: true } }),
  ),
  often(
    fc
      .record({
        id: profileId,
        data: oneOf<Prisma.ProfileUpdateArgs['data']>(
          bio.map((text) => ({ bio: text })),
          userId.map((userId) => ({ userId })),
          userRef.map((where) => ({ user: { connect: where } })),
          userScalars.map((data) => ({ user: { update: data } })),
          fc.record({ address: email, data: userScalars }).map(({ address, data }) => ({
            user: { upsert: { create: { email: address }, update: data } },
          })),
          fc.record({ where: userRef, address: email }).map(({ where, address }) => ({
            user: { connectOrCreate: { where, create: { email: address } } },
          })),
          email.map((address) => ({ user: { create: { email: address } } })),
          fc.constant({ user: { update: { posts: { deleteMany: {} } } } }),
          teamId.map((teamId) => ({ user: { update: { memberships: { create: { teamId } } } } })),
        ),
      })
      .map(({ id, data }) => write('profile', 'update', { where: { id }, data })),
    NESTED_WEIGHT,
  ),
  fc
    .record({ active: fc.boolean(), text: bio })
    .map(({ active, text }) =>
      write('profile', 'updateMany', { where: { user: { active } }, data: { bio: text } }),
    ),
  fc
    .record({ max: profileId, text: bio })
    .map(({ max, text }) =>
      write('profile', 'updateManyAndReturn', { where: { id: { lte: max } }, data: { bio: text } }),
    ),
  fc
    .record({ userId, text: bio })
    .map(({ userId, text }) =>
      write('profile', 'upsert', { where: { userId }, create: { bio: text, userId }, update: { bio: text } }),
    ),
  profileId.map((id) => write('profile', 'delete', { where: { id } })),
  bio.map((text) => write('profile', 'deleteMany', { where: { bio: text } })),
]

export const USER_WRITES: WriteArbitrary[] = [...userWrites, ...profileWrites]
