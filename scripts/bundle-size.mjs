// `npm run bundle-size`: the renderer's JavaScript as the window downloads it, gzip-compressed,
// file by file and in total; fails when the total is over the budget (350 KB, 1 KB = 1024 bytes).
// Builds the renderer first when out/renderer is missing.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';

const ROOT = 'out/renderer';
const BUDGET_KB = 350;

if (!existsSync(join(ROOT, 'index.html'))) {
  console.log('bundle-size: no renderer build; building it (npx electron-vite build)…');
  const build = spawnSync('npx', ['electron-vite', 'build'], { stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

/** Every .js/.mjs file under the renderer build. */
function scripts(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return scripts(p);
    return /\.m?js$/.test(e.name) ? [p] : [];
  });
}

const files = scripts(ROOT).sort();
if (files.length === 0) {
  console.error(`bundle-size: no JavaScript under ${ROOT}; is the renderer build complete?`);
  process.exit(1);
}
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
let raw = 0;
let gz = 0;
for (const f of files) {
  const bytes = readFileSync(f);
  const z = gzipSync(bytes, { level: 9 }).length;
  raw += bytes.length;
  gz += z;
  console.log(
    `  ${relative(ROOT, f).padEnd(40)} ${kb(bytes.length).padStart(10)}  gzip ${kb(z).padStart(9)}`,
  );
}
console.log(`bundle-size: renderer JS ${kb(raw)}, gzip ${kb(gz)} (budget ${BUDGET_KB} KB gzip)`);
if (gz > BUDGET_KB * 1024) {
  console.error(`bundle-size: over budget by ${kb(gz - BUDGET_KB * 1024)}.`);
  process.exit(1);
}
