import { cpSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import type { Plugin } from 'vite';
import react from '@vitejs/plugin-react';

// The packaged app holds only out/** (electron-builder.yml); the bundled data files (demo
// script, CMVP table, attestation roots) go beside the build, where resourcePath() looks.
function copyResources(): Plugin {
  return {
    name: 'olocus-copy-resources',
    apply: 'build',
    closeBundle() {
      cpSync(resolve(__dirname, 'resources'), resolve(__dirname, 'out/resources'), {
        recursive: true,
      });
    },
  };
}

// Dependencies stay external in main and preload (externalizeDeps is on by default), so the
// native pkcs11js module is loaded from node_modules, never bundled.
export default defineConfig({
  main: {
    plugins: [copyResources()],
    build: {
      rollupOptions: {
        // The PKCS#11 worker thread is its own entry, beside every chunk (see hsm/pkcs11/worker-thread.ts).
        input: {
          index: resolve(__dirname, 'src/main/index.ts'),
          'pkcs11-worker': resolve(__dirname, 'src/main/hsm/pkcs11/worker.ts'),
          'member-host': resolve(__dirname, 'src/main/cluster/member-host.ts'),
          // The second half of a large ledger, verified beside the first (audit/verify-parallel.ts).
          'audit-verify-worker': resolve(__dirname, 'src/main/audit/verify-worker.ts'),
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
