#!/usr/bin/env node
// Entry for `npx olocus-ceremony`: the CLI is built by `npm run build` into out/cli.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const built = fileURLToPath(new URL('../out/cli/index.js', import.meta.url));
if (!existsSync(built)) {
  console.error('olocus-ceremony is not built yet: run `npm run build` in the checkout first.');
  process.exit(2);
}
const { main } = await import(pathToFileURL(built).href);
process.exitCode = await main(process.argv.slice(2));
