import { defineConfig } from 'tsup'

/**
 * Builds `dist/index.js` (ESM), `dist/index.cjs` (CJS), `dist/index.d.ts` and `dist/index.d.cts`: the
 * files package.json `exports` points at (the `.js`/`.cjs` split follows `"type": "module"`).
 */
export default defineConfig({
  entry: ['src/index.ts'],
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
