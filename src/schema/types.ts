/** The schema graph's shapes: what the cache knows about models, relations and tables. */

/** One field of Prisma's internal `_runtimeDataModel` (Prisma 7 keeps only these). */
export interface RuntimeFieldLike {
  readonly name: string
  readonly kind: string
  readonly type: string
  readonly relationName?: string | undefined
  readonly dbName?: string | null | undefined
  /** Absent in Prisma 7; used as a hint when a runtime provides it. */
  readonly isList?: boolean | undefined
}

/** The shape of Prisma's internal `client._runtimeDataModel` that the graph needs. */
export interface RuntimeDataModelLike {
  readonly models: Readonly<
    Record<
      string,
      {
        readonly dbName?: string | null | undefined
        readonly schema?: string | null | undefined
        readonly fields: readonly RuntimeFieldLike[]
      }
    >
  >
}

/** A Prisma referential action; `Unknown` means the graph cannot tell and callers assume the worst. */
export type ReferentialAction = 'Cascade' | 'Restrict' | 'NoAction' | 'SetNull' | 'SetDefault' | 'Unknown'

/** The side of a relation that stores the foreign key, with the actions the database applies to it. */
export interface ForeignKey {
  /** Model whose table holds the foreign-key columns. */
  readonly model: string
  /** Relation field on `model` that carries `@relation(fields, references)`. */
  readonly field: string
  /** Scalar fields of `model` forming the foreign key. */
  readonly fields: readonly string[]
  /** Model the foreign key points at. */
  readonly referencedModel: string
  /** Scalar fields of `referencedModel` the foreign key references. */
  readonly references: readonly string[]
  /** Action when a referenced row is deleted (Prisma's default when the schema names none). */
  readonly onDelete: ReferentialAction
  /** Action when a referenced key changes (default `Cascade`). */
  readonly onUpdate: ReferentialAction
}

/** A relation between two models (the same model twice for a self-relation). */
export interface GraphRelation {
  /** Relation name as in the runtime data model, e.g. `PostToTag`. */
  readonly name: string
  /** `unknown` when the schema text could not resolve it: callers must assume every possibility. */
  readonly kind: 'one-to-one' | 'one-to-many' | 'many-to-many' | 'unknown'
  /** The two related models. */
  readonly models: readonly [string, string]
  /** Dependency id of the implicit many-to-many join table (`_<name>`); also set for `unknown` relations, which may be one. */
  readonly joinTable: string | undefined
  /** Foreign-key side; undefined for many-to-many and `unknown` relations. */
  readonly foreignKey: ForeignKey | undefined
}

/** A relation field of a model, e.g. `User.posts`. */
export interface GraphRelationField {
  readonly model: string
  readonly name: string
  /** Related model. */
  readonly target: string
  readonly relationName: string
  /** Whether the field is a list; undefined when unknown (coarse graph). */
  readonly isList: boolean | undefined
  readonly relation: GraphRelation
}

/** A scalar or enum field of a model. */
export interface GraphScalarField {
  readonly name: string
  /** Column name (`@map`, else the field name). */
  readonly dbName: string
  /** `scalar` or `enum` (Prisma's runtime `kind`). */
  readonly kind: string
  /** Prisma type (`Int`, `String`, …) or the enum's name. */
  readonly type: string
  /** A scalar list (`String[]`); undefined when unknown (coarse graph). */
  readonly isList: boolean | undefined
  /** The native database type (`@db.Uuid` gives `Uuid`), when the schema names one. */
  readonly nativeType: string | undefined
}

/** A set of fields whose values identify at most one row: the primary key or a unique constraint. */
export interface UniqueKey {
  /** The fields, in declaration order. */
  readonly fields: readonly string[]
  /** The name of its input in a `WhereUniqueInput`: the field for one field, `a_b` or the `name:` given otherwise. */
  readonly inputName: string
  readonly primary: boolean
}

/** A model with its table and fields. */
export interface GraphModel {
  readonly name: string
  /** Table name (`@@map`, else the model name), exactly as stored. */
  readonly dbName: string
  /** Database schema from `@@schema`, undefined for the datasource's default. */
  readonly schema: string | undefined
  readonly scalarFields: readonly GraphScalarField[]
  readonly relationFields: readonly GraphRelationField[]
  /** Primary-key fields (`@id` or `@@id`); undefined when unknown. */
  readonly idFields: readonly string[] | undefined
  /** The primary key and every unique constraint; empty when unknown (no schema text). */
  readonly uniqueKeys: readonly UniqueKey[]
}

/** What the cache knows about the schema. Dependency ids are model names and `_<relation>` join tables. */
export interface SchemaGraph {
  /** True when every relation and model was resolved from the schema text; false for the coarse fallback. */
  readonly precise: boolean
  /** All model names, sorted. */
  readonly models: readonly string[]
  /** All dependency ids (models and join tables), sorted. */
  readonly dependencies: readonly string[]
  /** Every relation once. */
  readonly relations: readonly GraphRelation[]
  model(name: string): GraphModel | undefined
  /** Relation fields of a model, empty for an unknown model. */
  relationFields(model: string): readonly GraphRelationField[]
  relationField(model: string, field: string): GraphRelationField | undefined
  /** Relations a model takes part in, each once. */
  relationsOf(model: string): readonly GraphRelation[]
  /**
   * Dependency ids stored in a database table, or undefined when no model or join table uses it.
   * `name` is matched exactly first, then case-insensitively (Postgres folds unquoted identifiers); when
   * the case-insensitive match is ambiguous, all candidates are returned. `schema`, when given, excludes
   * tables pinned by `@@schema` to another schema.
   */
  tableToDependencies(name: string, schema?: string): string[] | undefined
}
