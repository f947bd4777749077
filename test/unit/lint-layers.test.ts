// The layer rule (eslint-rules/layers.js) on made-up files: a back-edge is an error, a
// downward import is not, and the tolerated list stays empty. `npm run lint` runs the same rule
// over the whole tree.
import { resolve } from 'node:path';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import layers, { KNOWN_BACK_EDGES } from '../../eslint-rules/layers.js';

const root = resolve(import.meta.dirname, '../..');
const eslint = new ESLint({
  cwd: root,
  overrideConfigFile: true,
  overrideConfig: [
    {
      files: ['**/*.ts'],
      languageOptions: { parser: tseslint.parser },
      plugins: { olocus: layers },
      rules: { 'olocus/layers': ['error', { srcDir: 'src' }] },
    },
  ],
});

async function problems(file: string, code: string): Promise<string[]> {
  const [r] = await eslint.lintText(code, { filePath: resolve(root, file) });
  return (r?.messages ?? []).map((m) => m.message);
}

describe('the layer rule', () => {
  it('refuses an import up the layers', async () => {
    expect(await problems('src/main/hsm/x.ts', "import { a } from '../transfer/migrate';")).toEqual(
      [expect.stringContaining('hsm/ may not import transfer/')],
    );
    expect(
      await problems('src/main/ceremony/run/x.ts', "import { a } from '../../report/index';"),
    ).toEqual([expect.stringContaining('ceremony/ may not import report/')]);
    expect(await problems('src/main/ipc/x.ts', "export * from '../ceremony/run/room';")).toEqual([
      expect.stringContaining('ipc/ may not import ceremony/'),
    ]);
    expect(
      await problems('src/shared/x.ts', "import type { A } from '../main/audit/types';"),
    ).toEqual([expect.stringContaining('shared/ may not import audit/')]);
    expect(await problems('src/renderer/src/x.ts', "import '../../main/service/index';")).toEqual([
      expect.stringContaining('renderer/ may not import service/'),
    ]);
    expect(await problems('src/main/audit/x.ts', "const m = import('../hsm/uri');")).toEqual([
      expect.stringContaining('audit/ may not import hsm/'),
    ]);
  });

  it('lets an import go down, stay in its folder or leave src', async () => {
    expect(await problems('src/main/service/x.ts', "import { a } from '../report/index';")).toEqual(
      [],
    );
    expect(
      await problems('src/main/transfer/x.ts', "import { a } from '../audit/durable';"),
    ).toEqual([]);
    expect(await problems('src/main/hsm/gcp/x.ts', "import { a } from '../../resources';")).toEqual(
      [],
    );
    expect(await problems('src/main/hsm/gcp/x.ts', "import { a } from './keys';")).toEqual([]);
    expect(
      await problems('src/renderer/src/x.ts', "import { a } from '../../shared/errors';"),
    ).toEqual([]);
    expect(await problems('src/main/hsm/x.ts', "import { a } from 'node:fs';")).toEqual([]);
  });

  it('tolerates no back-edge by name', () => {
    expect([...KNOWN_BACK_EDGES]).toEqual([]);
  });
});
