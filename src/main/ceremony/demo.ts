// `demo --out DIR`: the bundled 3-of-5 root CA ceremony, end to end, on a SoftHSM token created
// under DIR. Officers and witness are played by the program; everything else is the real run.
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { resourcePath } from '../resources';
import type { RunReporting } from './run/finish';
import type { RoomEvent } from './run/room';
import { parseScript } from './script/load';
import { runOnThrowawayToken } from './throwaway';
import type { ThrowawaySummary } from './throwaway';

export interface DemoSummary extends ThrowawaySummary {
  demoSecrets: string;
}

export async function runDemo(
  out: string,
  reporting: RunReporting,
  onEvent?: (e: RoomEvent) => void,
): Promise<DemoSummary> {
  const scriptPath = resourcePath('ceremonies/root-ca.yaml');
  const scriptText = await readFile(scriptPath, 'utf8');
  const script = parseScript(scriptText, scriptPath);
  const r = await runOnThrowawayToken({
    out,
    script,
    scriptText,
    mode: 'demo',
    reporting,
    ...(onEvent ? { onEvent } : {}),
  });
  return { ...r, demoSecrets: dirname(r.playedShares) };
}
