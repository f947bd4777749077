// Loading hsm-config.yaml: YAML → structural checks → schema → machine warnings. Every error
// is collected with its line and column and thrown together, so one edit-and-retry round
// fixes the whole file.

import { existsSync } from 'node:fs';
import { formatIssue, sortIssues } from './issues';
import type { ConfigIssue } from './issues';
import { defaultModuleWarning, machineWarnings } from './machine';
import type { MachineProbe } from './machine';
import { hsmConfigSchema } from './schema';
import type { HsmConfig } from './schema';
import { locate, positionAt } from './yaml-ast';
import type { SourceMap } from './yaml-ast';
import { KEY_EFFECTS, UNUSED } from './effects';
import { parseYamlFile, readTextFile } from './yaml-file';

export interface ParseOptions {
  /** Compare against this machine (default true); off when checking a file for elsewhere. */
  machineChecks?: boolean;
  /** Stand-ins for tests; default process.env and fs.existsSync. */
  env?: MachineProbe['env'];
  fileExists?: MachineProbe['fileExists'];
}

export interface ParsedHsmConfig {
  config: HsmConfig;
  /** `file:line:col: key.path: text`, for things to look at that do not stop the ceremony. */
  warnings: string[];
  /** `file:line:col: key.path: accepted, not used by this tool`, for every such key the file sets. */
  unused: string[];
}

function unusedKeys(map: SourceMap): ConfigIssue[] {
  return Object.entries(KEY_EFFECTS)
    .filter(([key, effect]) => effect === null && map.doc.hasIn(key.split('.')))
    .map(([key]) => {
      const path = key.split('.');
      return { path: key, ...locate(map, path), message: `${key}: ${UNUSED}` };
    });
}

export function parseHsmConfig(
  text: string,
  sourceName = 'hsm-config.yaml',
  options: ParseOptions = {},
): ParsedHsmConfig {
  const { value: config, map } = parseYamlFile(text, sourceName, hsmConfigSchema);
  const { doc } = map;
  const probe: MachineProbe | undefined =
    options.machineChecks === false
      ? undefined
      : { env: options.env ?? process.env, fileExists: options.fileExists ?? existsSync };
  const found: ConfigIssue[] = doc.warnings.map((w) => ({
    path: '',
    ...positionAt(map, w.pos[0]),
    message: `YAML: ${w.message}`,
  }));
  const note = defaultModuleWarning(config, map, probe);
  if (note) found.push(note);
  if (probe) found.push(...machineWarnings(config, map, probe));
  const warnings = sortIssues(found).map((w) => formatIssue(sourceName, w));
  const unused = sortIssues(unusedKeys(map)).map((w) => formatIssue(sourceName, w));
  return { config, warnings, unused };
}

/** Reads and parses; a file that cannot be read is INVALID_INPUT naming the path. */
export async function loadHsmConfig(
  path: string,
  options: ParseOptions = {},
): Promise<ParsedHsmConfig> {
  return parseHsmConfig(await readTextFile(path), path, options);
}
