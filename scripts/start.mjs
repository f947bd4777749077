// `npm start`: build if needed, then launch Electron. On machines without the Electron runtime
// (offline build hosts cannot download it) say so plainly and point at the headless demo.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

function electronBinary() {
  if (process.env.OLOCUS_ELECTRON_PATH && existsSync(process.env.OLOCUS_ELECTRON_PATH)) {
    return process.env.OLOCUS_ELECTRON_PATH;
  }
  try {
    const pkgDir = require.resolve('electron/package.json').replace(/package\.json$/, '');
    const pathFile = `${pkgDir}path.txt`;
    if (!existsSync(pathFile)) return null;
    const rel = require('node:fs').readFileSync(pathFile, 'utf8').trim();
    const bin = `${pkgDir}dist/${rel}`;
    return existsSync(bin) ? bin : null;
  } catch {
    return null;
  }
}

if (!existsSync('out/main/index.js') || !existsSync('out/cli/index.js')) {
  const build = spawnSync('npm', ['run', 'build'], { stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

const bin = electronBinary();
if (!bin) {
  console.error(
    [
      'Olocus Ceremony cannot open its window here: the Electron runtime is not installed on this',
      'machine (it is downloaded on first use, and this machine cannot reach the download). Set',
      'OLOCUS_ELECTRON_PATH to an Electron binary to use the desktop app, or run a complete',
      'ceremony from the terminal on an embedded SoftHSM token instead:',
      '',
      '    npx olocus-ceremony demo --out ./demo-run',
      '',
    ].join('\n'),
  );
  process.exit(1);
}
const run = spawnSync(bin, ['.'], { stdio: 'inherit' });
process.exit(run.status ?? 1);
