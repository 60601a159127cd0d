/**
 * Base class of every error this package throws. `code` is stable and machine-readable; the message
 * names the option or operation at fault and the constraint it broke.
 */
export class QueryCacheError extends Error {
  /** Stable error code, e.g. `E_CONFIG_INVALID`. */
  readonly code: string

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
    this.code = code
  }
}

/** Invalid `queryCache()` options, found when `queryCache()` or `$extends` runs. Code `E_CONFIG_INVALID`. */
export class ConfigError extends QueryCacheError {
  constructor(message: string) {
    super('E_CONFIG_INVALID', message)
  }
}

/** Invalid per-query `cacheStrategy` or `$cache.invalidate()` input, found before any database or Redis call. Code `E_STRATEGY_INVALID`. */
export class StrategyError extends QueryCacheError {
  constructor(message: string) {
    super('E_STRATEGY_INVALID', message)
  }
}

/** A value could not be encoded or decoded. Never reaches a caller of a query: it becomes a miss. Code `E_SERIALIZATION`. */
export class SerializationError extends QueryCacheError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_SERIALIZATION', message, options)
  }
}

/** A cache tier (Redis) failed or timed out. Never reaches a caller of a query: it becomes a miss. Code `E_TIER`. */
export class TierError extends QueryCacheError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_TIER', message, options)
  }
}

/**
 * A cached read needed a caller scope (`scope` option) and the scope function threw or returned nothing. The read
 * is refused rather than served from a cache shared between scopes. Code `E_SCOPE_MISSING`.
 */
export class ScopeError extends QueryCacheError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_SCOPE_MISSING', message, options)
  }
}

/**
 * The installed Prisma Client does not have an internal this package relies on (see `prisma/internals.ts`): the
 * Prisma version is not supported. Thrown when `$extends` runs. Code `E_PRISMA_UNSUPPORTED`.
 */
export class UnsupportedPrismaError extends QueryCacheError {
  constructor(message: string) {
    super('E_PRISMA_UNSUPPORTED', message)
  }
}
