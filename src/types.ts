/**
 * Every public type of the package, by concern in `types/`. Defaults named here live in `config/defaults.ts`.
 */
export type * from './types/client.ts'
export type * from './types/events.ts'
export type * from './types/options.ts'
export type * from './types/results.ts'
