import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';

// Dependencies stay external in main and preload (externalizeDeps is on by default), so the
// native pkcs11js module is loaded from node_modules, never bundled.
export default defineConfig({
  main: {
    build: {
      rollupOptions: {
        // The PKCS#11 worker thread is its own entry, beside every chunk (see executor.ts).
        input: {
          index: resolve(__dirname, 'src/main/index.ts'),
          'pkcs11-worker': resolve(__dirname, 'src/main/hsm/pkcs11/worker.ts'),
        },
        output: { entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js' },
      },
    },
  },
  preload: {
    // Sandboxed preloads cannot be ES modules: emit CommonJS.
    build: {
      rollupOptions: {
        input: { index: resolve(__dirname, 'src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(__dirname, 'src/renderer'),
    build: {
      minify: true,
      rollupOptions: { input: { index: resolve(__dirname, 'src/renderer/index.html') } },
    },
    plugins: [react()],
  },
});
