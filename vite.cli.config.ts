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
      input: { index: resolve(import.meta.dirname, 'src/cli/index.ts') },
      output: { format: 'es', entryFileNames: '[name].js' },
      external: (id) =>
        id.startsWith('node:') ||
        builtinModules.includes(id) ||
        deps.some((d) => id === d || id.startsWith(`${d}/`)),
    },
  },
});
