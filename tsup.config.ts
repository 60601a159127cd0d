import { defineConfig } from 'tsup'

/**
 * Builds, per entry (`index`: the package, `accelerate` and `dashboard`: their subpaths), `dist/<entry>.js` (ESM),
 * `dist/<entry>.cjs` (CJS), `dist/<entry>.d.ts` and `dist/<entry>.d.cts`: the files package.json `exports` points
 * at (the `.js`/`.cjs` split follows `"type": "module"`). Code the entries share goes into shared chunks, in CJS
 * too (`splitting`), so that both entries use one copy of it: the same error classes, the same instances.
 */
export default defineConfig({
  entry: {
    index: 'src/index.ts',
    accelerate: 'src/accelerate/index.ts',
    dashboard: 'src/dashboard/index.ts',
  },
  splitting: true,
  outDir: 'dist',
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  platform: 'node',
  // import.meta.url in the CJS build (the extension resolves ioredis with createRequire when given a URL).
  shims: true,
  external: ['@prisma/client', 'ioredis'],
})
