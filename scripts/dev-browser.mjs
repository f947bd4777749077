// `npm run dev:browser`: the renderer in an ordinary browser, bridged to a real CeremonyService
// on this machine. Builds the renderer if there is none, prints the address with a one-time
// token, and prints a fresh one whenever the page disconnects (a reload spends the old one).
// Development only: binds 127.0.0.1, never part of the packaged app.
//
//   npm run dev:browser [-- --port N] [-- --dir DIR]      (or OLOCUS_BRIDGE_PORT=N)
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { port: { type: 'string' }, dir: { type: 'string' } },
  allowPositionals: false,
});
const portText = values.port ?? process.env.OLOCUS_BRIDGE_PORT ?? '0';
const port = Number(portText);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`dev:browser: the port must be a number from 0 to 65535, not "${portText}".`);
  process.exit(2);
}
const rendererDir = resolve(values.dir ?? 'out/renderer');

if (!values.dir && !existsSync(join(rendererDir, 'index.html'))) {
  console.log(
    'dev:browser: no renderer build in out/renderer; building it (npx electron-vite build)…',
  );
  const build = spawnSync('npx', ['electron-vite', 'build'], { stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
if (!existsSync(join(rendererDir, 'index.html'))) {
  console.error(`dev:browser: ${rendererDir} has no index.html to serve.`);
  process.exit(1);
}

// The bridge is TypeScript; this script runs under `node --import tsx` (see package.json).
const { startBridge } = await import('../src/bridge/index.ts');
// --config FILE or OLOCUS_CONFIG: the hsm-config.yaml the app's service is made with.
const { loadProcessConfig } = await import('../src/main/service/process-config.ts');
const config = await loadProcessConfig();

let bridge;
let stopping = false;
const printAddress = (what) => console.log(`\n${what}\n  ${bridge.urlWithToken()}\n`);
bridge = await startBridge({
  port,
  rendererDir,
  ...(config ? { config } : {}),
  onDisconnect: () => {
    if (stopping) return;
    bridge.issueToken();
    printAddress('The page disconnected; its token is spent. Open (or reload with) this address:');
  },
});
console.log(`dev:browser: serving ${rendererDir} on ${bridge.origin} (loopback only).`);
printAddress('Open this address in a browser (the token works once; Ctrl-C stops):');

const stop = async () => {
  if (stopping) return;
  stopping = true;
  console.log('dev:browser: stopping.');
  await bridge.close();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
