// Checks against the machine the loader runs on. They are warnings, not errors: the file is
// usually written and reviewed before the ceremony machine exists. Nothing here reads a secret:
// files are only tested for existence, variables only for presence.

import type { HsmConfig } from './schema';
import { PROVIDER_PROFILES } from './providers';
import { parsePinSource } from './secrets';
import { dottedPath } from './issues';
import type { ConfigIssue, PathSegment } from './issues';
import { locate } from './yaml-ast';
import type { SourceMap } from './yaml-ast';

export interface MachineProbe {
  /** Only `in` is used on it, never a value read. */
  env: Readonly<Record<string, string | undefined>>;
  fileExists: (path: string) => boolean;
}

/** Located like an error, so the loader can sort and format both the same way. */
export type ConfigWarning = ConfigIssue;

function warning(map: SourceMap, path: readonly PathSegment[], text: string): ConfigWarning {
  return { path: dottedPath(path), ...locate(map, path), message: `${dottedPath(path)}: ${text}` };
}

const ELSEWHERE = 'fine if this file is for another machine';

/** A PKCS#11 provider whose file names no module gets the vendor's path; say so, every time. */
export function defaultModuleWarning(
  config: HsmConfig,
  map: SourceMap,
  probe?: MachineProbe,
): ConfigWarning | undefined {
  const { provider, pkcs11 } = config.hsm;
  const fallback = PROVIDER_PROFILES[provider].defaultModulePath;
  if (
    fallback === undefined ||
    pkcs11?.module_path !== fallback ||
    map.doc.hasIn(['hsm', 'pkcs11', 'module_path'])
  ) {
    return undefined;
  }
  const missing =
    probe && !probe.fileExists(fallback) ? `; it does not exist here (${ELSEWHERE})` : '';
  return warning(
    map,
    ['hsm', 'provider'],
    `hsm.pkcs11.module_path is not set, so the ${provider} default ${fallback} is used${missing}`,
  );
}

export function machineWarnings(
  config: HsmConfig,
  map: SourceMap,
  probe: MachineProbe,
): ConfigWarning[] {
  const out: ConfigWarning[] = [];
  const { auth, pkcs11 } = config.hsm;
  const explicitModule = map.doc.hasIn(['hsm', 'pkcs11', 'module_path']);

  const files: [readonly PathSegment[], string | undefined][] = [
    [['hsm', 'pkcs11', 'module_path'], explicitModule ? pkcs11?.module_path : undefined],
    [['hsm', 'auth', 'certificate_path'], auth.certificate_path],
    [['hsm', 'auth', 'private_key_path'], auth.private_key_path],
  ];
  for (const [path, file] of files) {
    if (file !== undefined && !probe.fileExists(file)) {
      out.push(warning(map, path, `${file} does not exist on this machine (${ELSEWHERE})`));
    }
  }

  if (auth.password_env !== undefined && !(auth.password_env in probe.env)) {
    out.push(
      warning(
        map,
        ['hsm', 'auth', 'password_env'],
        `${auth.password_env} is not set in this environment`,
      ),
    );
  }

  for (const key of ['pin_source', 'so_pin_source'] as const) {
    const raw = pkcs11?.[key];
    const src = raw === undefined ? undefined : parsePinSource(raw);
    const path = ['hsm', 'pkcs11', key];
    if (src?.kind === 'env' && !(src.name in probe.env)) {
      out.push(warning(map, path, `${src.name} is not set in this environment`));
    } else if (src?.kind === 'file' && !probe.fileExists(src.path)) {
      out.push(warning(map, path, `${src.path} does not exist on this machine (${ELSEWHERE})`));
    }
  }
  return out;
}
