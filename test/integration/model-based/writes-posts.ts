import fc from 'fast-check'
import { Prisma } from '../../../generated/prisma/client.ts'
import {
  bio,
  body,
  categoryId,
  categoryName,
  commentId,
  email,
  few,
  maybe,
  NESTED_WEIGHT,
  often,
  oneOf,
  postId,
  postRef,
  sometimes,
  tagId,
  tagName,
  tagRef,
  title,
  userId,
  userName,
  userRef,
  type WriteArbitrary,
  write,
} from './write.ts'

const views = fc.bigInt({ min: 0n, max: 10n ** 15n })
const metadata = fc.constantFrom<Prisma.NullableJsonNullValueInput | Prisma.InputJsonValue>(
  { a: 1, nested: { b: [true, null] } },
  [1, 'two'],
  'text',
  Prisma.JsonNull,
  Prisma.DbNull,
)

const postScalars = fc.record(
  {
    title,
    published: fc.boolean(),
    views,
    rating: fc.option(fc.constantFrom(0.5, 4.25, -1)),
    metadata,
    keywords: fc.array(fc.constantFrom('orm', 'cache'), { maxLength: 2 }),
  },
  { requiredKeys: [] },
)

/** Nested writes on every relation of Post, one relation and operation at a time (each relation equally likely). */
const postNested = oneOf<Prisma.PostUpdateInput>(
  // Author: 1:n, the side with the foreign key (SetNull).
  oneOf<Prisma.PostUpdateInput>(
    userRef.map((where) => ({ author: { connect: where } })),
    fc.constant({ author: { disconnect: true } }),
    fc.boolean().map((active) => ({ author: { disconnect: { active } } })),
    email.map((address) => ({ author: { create: { email: address } } })),
    fc.record({ where: userRef, address: email }).map(({ where, address }) => ({
      author: { connectOrCreate: { where, create: { email: address } } },
    })),
    userName.map((name) => ({ author: { update: { name } } })),
    fc.record({ address: email, name: userName }).map(({ address, name }) => ({
      author: { upsert: { create: { email: address }, update: { name } } },
    })),
    fc.constant({ author: { delete: true } }),
    fc.boolean().map((active) => ({ author: { delete: { active } } })),
  ),
  // Category: 1:n, the side with the foreign key (SetDefault).
  oneOf<Prisma.PostUpdateInput>(
    categoryId.map((id) => ({ category: { connect: { id } } })),
    categoryName.map((name) => ({ category: { create: { name } } })),
    categoryName.map((name) => ({ category: { connectOrCreate: { where: { name }, create: { name } } } })),
    categoryName.map((name) => ({ category: { update: { name } } })),
    categoryName.map((name) => ({ category: { upsert: { create: { name }, update: { name } } } })),
  ),
  // Tags: implicit m2m, from Post.
  oneOf<Prisma.PostUpdateInput>(
    few(tagRef).map((where) => ({ tags: { connect: where } })),
    few(tagRef).map((where) => ({ tags: { disconnect: where } })),
    fc.array(tagRef, { maxLength: 2 }).map((where) => ({ tags: { set: where } })),
    few(tagName).map((names) => ({ tags: { create: names.map((name) => ({ name })) } })),
    tagName.map((name) => ({ tags: { connectOrCreate: { where: { name }, create: { name } } } })),
    fc
      .record({ where: tagRef, name: tagName })
      .map(({ where, name }) => ({ tags: { update: { where, data: { name } } } })),
    tagName.map((name) => ({ tags: { updateMany: { where: { name: { not: name } }, data: { name } } } })),
    tagName.map((name) => ({ tags: { upsert: { where: { name }, create: { name }, update: { name } } } })),
    tagRef.map((where) => ({ tags: { delete: where } })),
    tagName.map((name) => ({ tags: { deleteMany: { name } } })),
  ),
  // Comments: 1:n, the list side (Cascade).
  oneOf<Prisma.PostUpdateInput>(
    fc.record({ body, authorId: userId }).map((data) => ({ comments: { create: data } })),
    few(fc.record({ body, authorId: userId })).map((data) => ({ comments: { createMany: { data } } })),
    commentId.map((id) => ({ comments: { connect: { id } } })),
    fc.record({ id: commentId, text: body, authorId: userId }).map(({ id, text, authorId }) => ({
      comments: { connectOrCreate: { where: { id }, create: { body: text, authorId } } },
    })),
    commentId.map((id) => ({ comments: { disconnect: { id } } })),
    fc.array(commentId, { maxLength: 2 }).map((ids) => ({ comments: { set: ids.map((id) => ({ id })) } })),
    fc.record({ id: commentId, text: body }).map(({ id, text }) => ({
      comments: { update: { where: { id }, data: { body: text } } },
    })),
    fc.record({ authorId: userId, text: body }).map(({ authorId, text }) => ({
      comments: { updateMany: { where: { authorId }, data: { body: text } } },
    })),
    fc.record({ id: commentId, text: body, authorId: userId }).map(({ id, text, authorId }) => ({
      comments: { upsert: { where: { id }, create: { body: text, authorId }, update: { body: text } } },
    })),
    commentId.map((id) => ({ comments: { delete: { id } } })),
    fc.constant({ comments: { deleteMany: {} } }),
  ),
  // Two levels deep.
  oneOf<Prisma.PostUpdateInput>(
    bio.map((text) => ({
      author: { update: { profile: { upsert: { create: { bio: text }, update: { bio: text } } } } },
    })),
    fc.record({ id: commentId, author: userRef }).map(({ id, author }) => ({
      comments: { update: { where: { id }, data: { author: { connect: author } } } },
    })),
  ),
)

const postWrites: WriteArbitrary[] = [
  often(
    fc
      .record({
        title,
        scalars: postScalars,
        author: sometimes(
          oneOf<Prisma.UserCreateNestedOneWithoutPostsInput>(
            userRef.map((where) => ({ connect: where })),
            fc.record({ where: userRef, address: email }).map(({ where, address }) => ({
              connectOrCreate: { where, create: { email: address } },
            })),
            email.map((address) => ({ create: { email: address } })),
          ),
        ),
        category: sometimes(
          oneOf<Prisma.CategoryCreateNestedOneWithoutPostsInput>(
            categoryId.map((id) => ({ connect: { id } })),
            categoryName.map((name) => ({ connectOrCreate: { where: { name }, create: { name } } })),
          ),
        ),
        tags: sometimes(
          oneOf<Prisma.TagCreateNestedManyWithoutPostsInput>(
            few(tagRef).map((where) => ({ connect: where })),
            tagName.map((name) => ({ connectOrCreate: { where: { name }, create: { name } } })),
            few(tagName).map((names) => ({ create: names.map((name) => ({ name })) })),
          ),
        ),
        comments: sometimes(
          oneOf<Prisma.CommentCreateNestedManyWithoutPostInput>(
            few(fc.record({ body, authorId: userId })).map((data) => ({ create: data })),
            few(fc.record({ body, authorId: userId })).map((data) => ({ createMany: { data } })),
          ),
        ),
      })
      .map(({ title, scalars, author, category, tags, comments }) =>
        write('post', 'create', { data: { ...scalars, title, author, category, tags, comments } }),
      ),
  ),
  often(
    few(fc.record({ title, authorId: fc.option(userId), categoryId, views })).map((data) =>
      write('post', 'createMany', { data }),
    ),
  ),
  few(fc.record({ title, authorId: fc.option(userId), categoryId })).map((data) =>
    write('post', 'createManyAndReturn', { data, include: { author: true, category: true } }),
  ),
  often(
    fc
      .record({ id: postId, scalars: maybe(postScalars), nested: postNested })
      .map(({ id, scalars, nested }) =>
        write('post', 'update', { where: { id }, data: { ...scalars, ...nested } }),
      ),
    NESTED_WEIGHT,
  ),
  fc
    .record({
      id: postId,
      data: fc.record({ authorId: fc.option(userId), categoryId }, { requiredKeys: [] }),
    })
    .map(({ id, data }) => write('post', 'update', { where: { id }, data })),
  fc
    .record({ id: postId, newId: postId })
    .map(({ id, newId }) => write('post', 'update', { where: { id }, data: { id: newId } })),
  fc.record({ id: postId, keyword: fc.constantFrom('orm', 'sql') }).map(({ id, keyword }) =>
    write('post', 'update', {
      where: { id },
      data: { keywords: { push: keyword }, views: { increment: 7 } },
    }),
  ),
  fc
    .record({
      where: oneOf<Prisma.PostWhereInput>(
        fc.boolean().map((published) => ({ published })),
        userId.map((authorId) => ({ authorId })),
        tagName.map((name) => ({ tags: { some: { name } } })),
        fc.constant({ author: { is: null } }),
      ),
      data: oneOf<Prisma.PostUpdateManyMutationInput | Prisma.PostUncheckedUpdateManyInput>(
        fc.boolean().map((published) => ({ published })),
        fc.constant({ views: { increment: 1 } }),
        categoryId.map((categoryId) => ({ categoryId })),
        fc.option(userId).map((authorId) => ({ authorId })),
      ),
    })
    .map(({ where, data }) => write('post', 'updateMany', { where, data })),
  fc.record({ authorId: userId, title }).map(({ authorId, title }) =>
    write('post', 'updateManyAndReturn', {
      where: { authorId },
      data: { title },
      include: { author: true },
    }),
  ),
  often(
    fc
      .record({
        id: postId,
        title,
        // When the post does not exist, the create side's own nested writes run instead.
        created: oneOf<Omit<Prisma.PostCreateInput, 'title'>>(
          fc.constant({}),
          fc.record({ tags: few(tagRef), author: userRef }).map(({ tags, author }) => ({
            tags: { connect: tags },
            author: { connect: author },
          })),
          fc.record({ text: body, authorId: userId }).map(({ text, authorId }) => ({
            comments: { create: { body: text, author: { connect: { id: authorId } } } },
          })),
        ),
        nested: postNested,
      })
      .map(({ id, title, created, nested }) =>
        write('post', 'upsert', { where: { id }, create: { ...created, title }, update: nested }),
      ),
    NESTED_WEIGHT,
  ),
  postRef.map((where) => write('post', 'delete', { where })),
  oneOf<Prisma.PostWhereInput>(
    title.map((title) => ({ published: false, title })),
    userId.map((authorId) => ({ author: { id: authorId } })),
    fc.constant({ comments: { none: {} }, tags: { none: {} } }),
  ).map((where) => write('post', 'deleteMany', { where })),
]

/** Implicit m2m from Tag, plus Tag's own writes. */
const tagNested = oneOf<Prisma.TagUpdateInput>(
  few(postRef).map((where) => ({ posts: { connect: where } })),
  few(postRef).map((where) => ({ posts: { disconnect: where } })),
  fc.array(postRef, { maxLength: 2 }).map((where) => ({ posts: { set: where } })),
  few(title).map((titles) => ({ posts: { create: titles.map((title) => ({ title })) } })),
  fc.record({ id: postId, title }).map(({ id, title }) => ({
    posts: { connectOrCreate: { where: { id }, create: { title } } },
  })),
  fc
    .record({ id: postId, title })
    .map(({ id, title }) => ({ posts: { update: { where: { id }, data: { title } } } })),
  fc.boolean().map((published) => ({ posts: { updateMany: { where: {}, data: { published } } } })),
  fc.record({ id: postId, title }).map(({ id, title }) => ({
    posts: { upsert: { where: { id }, create: { title }, update: { title } } },
  })),
  postRef.map((where) => ({ posts: { delete: where } })),
  fc.boolean().map((published) => ({ posts: { deleteMany: { published } } })),
  // Two levels deep.
  postId.map((id) => ({ posts: { update: { where: { id }, data: { author: { disconnect: true } } } } })),
  fc
    .record({ title, author: userRef, text: body, authorId: userId })
    .map(({ title, author, text, authorId }) => ({
      posts: {
        create: {
          title,
          author: { connect: author },
          comments: { createMany: { data: [{ body: text, authorId }] } },
        },
      },
    })),
)

const tagWrites: WriteArbitrary[] = [
  often(
    fc.record({ name: tagName, posts: maybe(few(postRef)) }).map(({ name, posts }) =>
      write('tag', 'create', {
        data: { name, posts: posts === undefined ? undefined : { connect: posts } },
      }),
    ),
  ),
  few(tagName).map((names) =>
    write('tag', 'createMany', { data: names.map((name) => ({ name })), skipDuplicates: true }),
  ),
  few(tagName).map((names) => write('tag', 'createManyAndReturn', { data: names.map((name) => ({ name })) })),
  often(
    fc
      .record({ where: tagRef, name: maybe(tagName), nested: tagNested })
      .map(({ where, name, nested }) => write('tag', 'update', { where, data: { name, ...nested } })),
    NESTED_WEIGHT,
  ),
  fc
    .record({ id: tagId, newId: tagId })
    .map(({ id, newId }) => write('tag', 'update', { where: { id }, data: { id: newId } })),
  fc
    .record({ name: tagName, to: tagName })
    .map(({ name, to }) => write('tag', 'updateMany', { where: { name }, data: { name: to } })),
  fc
    .record({ name: tagName, to: tagName })
    .map(({ name, to }) =>
      write('tag', 'updateManyAndReturn', { where: { name, posts: { some: {} } }, data: { name: to } }),
    ),
  often(
    fc
      .record({ name: tagName, nested: tagNested })
      .map(({ name, nested }) =>
        write('tag', 'upsert', { where: { name }, create: { name }, update: nested }),
      ),
    NESTED_WEIGHT,
  ),
  tagRef.map((where) => write('tag', 'delete', { where })),
  oneOf<Prisma.TagWhereInput>(
    tagName.map((name) => ({ name })),
    fc.constant({ posts: { none: {} } }),
    fc.boolean().map((published) => ({ posts: { some: { published } } })),
  ).map((where) => write('tag', 'deleteMany', { where })),
]

/** Writes whose top-level model is Post or Tag. */
export const POST_WRITES: WriteArbitrary[] = [...postWrites, ...tagWrites]
