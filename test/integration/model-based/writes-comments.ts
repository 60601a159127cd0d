import fc from 'fast-check'
import type { Prisma } from '../../../generated/prisma/client.ts'
import { rowId } from './refs.ts'
import {
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
  tagName,
  title,
  userId,
  userName,
  userRef,
  type WriteArbitrary,
  write,
} from './write.ts'

/** Categories other than the first (id 1, which Post.categoryId defaults to and which is never deleted). */
const otherCategoryId = rowId('category', 3, 1)

const commentWrites: WriteArbitrary[] = [
  often(
    fc
      .record({
        text: body,
        post: oneOf<Prisma.PostCreateNestedOneWithoutCommentsInput>(
          postRef.map((where) => ({ connect: where })),
          title.map((title) => ({ create: { title } })),
          fc
            .record({ id: postId, title })
            .map(({ id, title }) => ({ connectOrCreate: { where: { id }, create: { title } } })),
        ),
        author: oneOf<Prisma.UserCreateNestedOneWithoutCommentsInput>(
          userRef.map((where) => ({ connect: where })),
          email.map((address) => ({ create: { email: address } })),
          fc.record({ where: userRef, address: email }).map(({ where, address }) => ({
            connectOrCreate: { where, create: { email: address } },
          })),
        ),
      })
      .map(({ text, post, author }) => write('comment', 'create', { data: { body: text, post, author } })),
  ),
  often(fc.record({ body, postId, authorId: userId }).map((data) => write('comment', 'create', { data }))),
  often(
    few(fc.record({ body, postId, authorId: userId })).map((data) =>
      write('comment', 'createMany', { data }),
    ),
  ),
  few(fc.record({ body, postId, authorId: userId })).map((data) =>
    write('comment', 'createManyAndReturn', { data, include: { post: true, author: true } }),
  ),
  often(
    fc
      .record({
        id: commentId,
        data: oneOf<Prisma.CommentUpdateArgs['data']>(
          body.map((text) => ({ body: text })),
          fc.record({ postId, authorId: userId }, { requiredKeys: [] }),
          postRef.map((where) => ({ post: { connect: where } })),
          title.map((title) => ({ post: { update: { title } } })),
          fc.record({ title, published: fc.boolean() }).map(({ title, published }) => ({
            post: { upsert: { create: { title }, update: { published } } },
          })),
          userRef.map((where) => ({ author: { connect: where } })),
          userName.map((name) => ({ author: { update: { name } } })),
          fc.record({ where: userRef, address: email }).map(({ where, address }) => ({
            author: { connectOrCreate: { where, create: { email: address } } },
          })),
          // Two levels deep, through the comment's post.
          fc.constant({ post: { update: { tags: { set: [] } } } }),
          tagName.map((name) => ({
            post: { update: { tags: { connectOrCreate: { where: { name }, create: { name } } } } },
          })),
        ),
      })
      .map(({ id, data }) => write('comment', 'update', { where: { id }, data })),
    NESTED_WEIGHT,
  ),
  fc
    .record({ postId, text: body })
    .map(({ postId, text }) => write('comment', 'updateMany', { where: { postId }, data: { body: text } })),
  fc.record({ authorId: userId, postId }).map(({ authorId, postId }) =>
    write('comment', 'updateManyAndReturn', {
      where: { authorId },
      data: { postId },
      include: { post: true },
    }),
  ),
  fc.record({ id: commentId, text: body, postId, authorId: userId }).map(({ id, text, postId, authorId }) =>
    write('comment', 'upsert', {
      where: { id },
      create: { body: text, postId, authorId },
      update: { body: text },
    }),
  ),
  commentId.map((id) => write('comment', 'delete', { where: { id } })),
  oneOf<Prisma.CommentWhereInput>(
    body.map((text) => ({ body: text })),
    postId.map((postId) => ({ post: { is: { id: postId } } })),
    fc.constant({ author: { active: false } }),
  ).map((where) => write('comment', 'deleteMany', { where })),
]

/** Nested writes on Category.posts (1:n, the list side of a SetDefault relation). */
const categoryNested = oneOf<Prisma.CategoryUpdateInput>(
  few(postRef).map((where) => ({ posts: { connect: where } })),
  few(title).map((titles) => ({ posts: { create: titles.map((title) => ({ title })) } })),
  few(title).map((titles) => ({ posts: { createMany: { data: titles.map((title) => ({ title })) } } })),
  fc.record({ id: postId, title }).map(({ id, title }) => ({
    posts: { connectOrCreate: { where: { id }, create: { title } } },
  })),
  postRef.map((where) => ({ posts: { disconnect: where } })),
  fc.array(postRef, { maxLength: 1 }).map((where) => ({ posts: { set: where } })),
  fc
    .record({ id: postId, title })
    .map(({ id, title }) => ({ posts: { update: { where: { id }, data: { title } } } })),
  fc.boolean().map((published) => ({ posts: { updateMany: { where: {}, data: { published } } } })),
  fc.record({ id: postId, title }).map(({ id, title }) => ({
    posts: { upsert: { where: { id }, create: { title }, update: { title } } },
  })),
  postRef.map((where) => ({ posts: { delete: where } })),
  fc.boolean().map((published) => ({ posts: { deleteMany: { published } } })),
)

const categoryWrites: WriteArbitrary[] = [
  often(
    fc.record({ name: categoryName, posts: maybe(few(postRef)) }).map(({ name, posts }) =>
      write('category', 'create', {
        data: { name, posts: posts === undefined ? undefined : { connect: posts } },
      }),
    ),
  ),
  few(categoryName).map((names) =>
    write('category', 'createManyAndReturn', { data: names.map((name) => ({ name })), skipDuplicates: true }),
  ),
  often(
    fc
      .record({ id: categoryId, nested: categoryNested })
      .map(({ id, nested }) => write('category', 'update', { where: { id }, data: nested })),
    NESTED_WEIGHT,
  ),
  fc
    .record({ id: otherCategoryId, newId: otherCategoryId })
    .map(({ id, newId }) => write('category', 'update', { where: { id }, data: { id: newId } })),
  often(
    fc
      .record({ name: categoryName, nested: categoryNested })
      .map(({ name, nested }) =>
        write('category', 'upsert', { where: { name }, create: { name }, update: nested }),
      ),
    NESTED_WEIGHT,
  ),
  // SetDefault: the posts of a deleted category go back to category 1.
  otherCategoryId.map((id) => write('category', 'delete', { where: { id } })),
  oneOf<Prisma.CategoryWhereInput>(
    categoryName.map((name) => ({ name })),
    fc.constant({ posts: { some: { published: true } } }),
  ).map((where) => write('category', 'deleteMany', { where: { ...where, id: { gt: 1 } } })),
]

/** Writes whose top-level model is Comment or Category. */
export const COMMENT_WRITES: WriteArbitrary[] = [...commentWrites, ...categoryWrites]
