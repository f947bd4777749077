// A launch check for machines that have an Electron binary (test/unit/shell-launch.test.ts):
// with OLOCUS_SHELL_SMOKE=1 in a development build, the shell loads the page, asks it what it
// can see, prints one line and quits. It proves the things a fake electron cannot: the page is
// served from app://olocus, it has window.olocus and no Node, and a request crosses IPC and
// comes back refused by the schema.

export const SMOKE_MARKER = 'OLOCUS_SMOKE ';

/** Runs in the page (executeJavaScript): only what any page could do. */
export const SMOKE_PROBE = `(async () => {
  const api = typeof window.olocus === 'object' && window.olocus !== null ? window.olocus : null;
  let refused = null;
  if (api) {
    const r = await api.runStatus({ runId: 'not-a-run-id' });
    refused = r && r.ok === false ? r.error.code : 'not refused';
  }
  return JSON.stringify({
    origin: location.origin,
    href: location.href,
    api: api ? Object.keys(api).sort() : null,
    require: typeof require,
    process: typeof process,
    refused,
  });
})()`;

export function smokeEnabled(env: NodeJS.ProcessEnv, isPackaged: boolean): boolean {
  return !isPackaged && env.OLOCUS_SHELL_SMOKE === '1';
}
