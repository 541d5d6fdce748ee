// The console's build: `npm run build:console` (or `nx run console:build`) writes apps/console/dist,
// which the gateway serves under /console (docs/console.md). Every asset is bundled; the HTML loads
// one module script and one stylesheet from /console/assets, so a CSP without inline script holds.
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  base: '/console/',
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // the polyfill would be inlined into index.html, which the CSP forbids
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
    reportCompressedSize: true,
  },
});
