// Files shipped in resources/, found from the sources (src/main) and from a build (out/cli,
// out/main) alike.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ErrorCode, OlocusError } from '../shared/errors';

export function resourcePath(rel: string): string {
  for (const up of ['../../resources/', '../../../resources/', '../resources/']) {
    const p = fileURLToPath(new URL(up + rel, import.meta.url));
    if (existsSync(p)) return p;
  }
  throw new OlocusError(
    ErrorCode.INVALID_INPUT,
    `The bundled file resources/${rel} is missing from this installation.`,
  );
}
