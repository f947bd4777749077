// Hostile YAML, scripts and configurations alike: an alias bomb, nesting thousands deep and a
// 50 MB file. Each is refused with one sentence, in well under a second, without being read
// into memory whole.
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadHsmConfig, parseHsmConfig } from '../../src/main/config/index';
import { MAX_YAML_BYTES, MAX_YAML_DEPTH } from '../../src/main/config/yaml-file';
import { loadScript, parseScript } from '../../src/main/ceremony/script/load';
import { ErrorCode } from '../../src/shared/errors';

const dir = mkdtempSync(join(tmpdir(), 'olocus-yaml-hostile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BOMB = [
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ...Array.from({ length: 8 }, (_, i) => {
    const p = String.fromCharCode(97 + i);
    const n = String.fromCharCode(98 + i);
    return `${n}: &${n} [${Array(9).fill(`*${p}`).join(',')}]`;
  }),
  'ceremony: *i',
].join('\n');
const FLOW_DEEP = `ceremony: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`;
const BLOCK_DEEP =
  Array.from({ length: 200 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n') + ' 1\n';

function refusal(fn: () => unknown): ConfigError {
  const t = Date.now();
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(Date.now() - t).toBeLessThan(2000);
  expect(error).toBeInstanceOf(ConfigError);
  expect((error as ConfigError).code).toBe(ErrorCode.INVALID_INPUT);
  return error as ConfigError;
}

async function refusalAsync(p: Promise<unknown>): Promise<ConfigError> {
  const t = Date.now();
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(Date.now() - t).toBeLessThan(2000);
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

describe.each([
  ['ceremony script', (t: string) => parseScript(t, 'ceremony.yaml')],
  [
    'hsm-config',
    (t: string) => parseHsmConfig(t, 'hsm-config.yaml', { env: {}, fileExists: () => false }),
  ],
])('%s', (_what, parse) => {
  it('refuses an alias bomb (billion laughs) without expanding it', () => {
    expect(refusal(() => parse(BOMB)).message).toMatch(/YAML could not be read: .*alias/i);
  });

  it(`refuses nesting deeper than ${MAX_YAML_DEPTH} levels, flow or block`, () => {
    for (const text of [FLOW_DEEP, BLOCK_DEEP]) {
      expect(refusal(() => parse(text)).message).toMatch(
        new RegExp(`nests lists and sections more than ${MAX_YAML_DEPTH} levels deep`),
      );
    }
  });

  it('refuses text over the size cap before parsing it', () => {
    const text = `# ${'x'.repeat(MAX_YAML_BYTES)}\n`;
    expect(refusal(() => parse(text)).message).toMatch(
      /more than the 1048576 bytes .* was not read/,
    );
  });
});

describe('files on disk', () => {
  it('a 50 MB script or config is refused from its size, without reading it', async () => {
    const big = join(dir, 'big.yaml');
    writeFileSync(big, 'ceremony:\n');
    truncateSync(big, 50 * 1024 * 1024); // sparse: the size is real, the disk use is not
    const before = process.memoryUsage().rss;
    const s = await refusalAsync(loadScript(big));
    expect(s.message).toBe(
      `${big}:1:1: the file is 52428800 bytes, more than the 1048576 bytes a script or configuration may have; it was not read`,
    );
    const c = await refusalAsync(loadHsmConfig(big));
    expect(c.message).toContain('52428800 bytes');
    expect(process.memoryUsage().rss - before).toBeLessThan(20 * 1024 * 1024);
  });

  it('an alias bomb in a file is refused the same way', async () => {
    const bomb = join(dir, 'bomb.yaml');
    writeFileSync(bomb, BOMB);
    expect((await refusalAsync(loadScript(bomb))).message).toMatch(/alias/i);
  });
});
