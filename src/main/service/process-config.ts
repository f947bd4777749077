// The hsm-config.yaml a long-running front (the desktop app, the browser bridge) was started
// with: `--config PATH` (or `--config=PATH`) on its command line, else OLOCUS_CONFIG.
import { loadHsmConfig } from '../config/index';
import type { HsmConfig } from '../config/index';

export function configPathFromProcess(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('--config=')) return a.slice('--config='.length) || undefined;
    if (a === '--config') return argv[i + 1] || undefined;
  }
  return env.OLOCUS_CONFIG || undefined;
}

/** The config to give CeremonyService; undefined when none was named. Bad files throw ConfigError. */
export async function loadProcessConfig(
  argv: readonly string[] = process.argv,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<HsmConfig | undefined> {
  const path = configPathFromProcess(argv, env);
  return path === undefined ? undefined : (await loadHsmConfig(path)).config;
}

export type { HsmConfig };
