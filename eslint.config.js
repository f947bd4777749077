import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import layers from './eslint-rules/layers.js';

export default tseslint.config(
  {
    ignores: [
      'out/**',
      'dist/**',
      'node_modules/**',
      'test-results/**',
      'tmp/**',
      'test/scratch/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  {
    files: ['src/renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // The CLI and scripts talk to a terminal on purpose.
    files: ['src/cli/**', 'scripts/**', 'bench/**', 'bin/**', 'test/**'],
    rules: { 'no-console': 'off' },
  },
  {
    // Only the shell, the IPC registration and the preload may load Electron: tests run without it.
    files: ['src/**'],
    ignores: ['src/main/index.ts', 'src/main/ipc/**', 'src/preload/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'electron', message: 'Only the shell, ipc/ and preload may import electron.' },
          ],
        },
      ],
    },
  },
  {
    // Layers import only the layers below them; renderer and shared import nothing of main.
    files: ['src/**/*.ts', 'src/**/*.tsx'],
    plugins: { olocus: layers },
    rules: { 'olocus/layers': ['error', { srcDir: 'src' }] },
  },
);
