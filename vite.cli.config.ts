import { builtinModules } from 'node:module';
import { resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import { defineConfig } from 'vite';

const pkg = JSON.parse(readFileSync(resolve(import.meta.dirname, 'package.json'), 'utf8')) as {
  dependencies?: Record<string, string>;
};
const deps = Object.keys(pkg.dependencies ?? {});

// The command line is a plain Node program: every dependency stays external (pkcs11js is native).
export default defineConfig({
  build: {
    ssr: true,
    outDir: 'out/cli',
    emptyOutDir: true,
    target: 'node20',
    minify: false,
    sourcemap: true,
    rollupOptions: {
      // The PKCS#11 worker thread is its own entry; every chunk sits beside it so the executor
      // finds it as ./pkcs11-worker.js from wherever it was bundled.
      input: {
        index: resolve(import.meta.dirname, 'src/cli/index.ts'),
        'pkcs11-worker': resolve(import.meta.dirname, 'src/main/hsm/pkcs11/worker.ts'),
        // A group member in a process of its own (cluster.member_host: process).
        'member-host': resolve(import.meta.dirname, 'src/main/cluster/member-host.ts'),
        // The second half of a large ledger, verified beside the first (audit/verify-parallel.ts).
        'audit-verify-worker': resolve(import.meta.dirname, 'src/main/audit/verify-worker.ts'),
      },
      output: { format: 'es', entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js' },
      external: (id) =>
        id.startsWith('node:') ||
        builtinModules.includes(id) ||
        deps.some((d) => id === d || id.startsWith(`${d}/`)),
    },
  },
});
