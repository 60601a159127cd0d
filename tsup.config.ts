import { defineConfig } from 'tsup'

/**
 * Builds `dist/<entry>.js` (ESM), `dist/<entry>.cjs` (CJS), `dist/<entry>.d.ts` and `dist/<entry>.d.cts` for each
 * entry: the files package.json `exports` points at (the `.js`/`.cjs` split follows `"type": "module"`).
 */
export default defineConfig({
  entry: { index: 'src/index.ts', dashboard: 'src/dashboard/index.ts' },
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
