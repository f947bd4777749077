import canonicalize from 'canonicalize';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  encodeRecord,
  hashLineInPlace,
  isCanonicalText,
  recomputeHash,
  topLevelHashOffset,
} from '../../src/main/audit/canonical';
import { GENESIS_PREV, type UnhashedRecord } from '../../src/main/audit/types';

const base: UnhashedRecord = {
  seq: 0,
  time: '2026-03-01T09:00:00.000Z',
  actor: 'alice',
  step: null,
  type: 'test.event',
  data: { b: 1, a: 'x' },
  prev: GENESIS_PREV,
};

/** What a stranger does with any JCS library: parse, drop hash, canonicalise, SHA-256. */
function strangerHash(line: string): string {
  const { hash: _h, ...rest } = JSON.parse(line) as Record<string, unknown>;
  return createHash('sha256').update(canonicalize(rest)!, 'utf8').digest('hex');
}

function inPlace(line: string): string {
  const buf = Buffer.from(line, 'utf8');
  const at = topLevelHashOffset(buf, 0, buf.length, line);
  expect(at).toBeGreaterThan(0);
  return hashLineInPlace(buf, 0, buf.length, at);
}

describe('record encoding', () => {
  it('writes the JCS form of the record and hashes the JCS form without hash', () => {
    const { record, line } = encodeRecord(base);
    expect(line).toBe(
      `{"actor":"alice","data":{"a":"x","b":1},"hash":"${record.hash}","prev":"${GENESIS_PREV}","seq":0,"step":null,"time":"2026-03-01T09:00:00.000Z","type":"test.event"}`,
    );
    expect(record.hash).toBe(strangerHash(line));
    expect(record.hash).toBe(recomputeHash(record));
    expect(line).toBe(canonicalJson(JSON.parse(line)));
  });

  it('matches the test vector in FORMAT.md', () => {
    const { record, line } = encodeRecord({
      seq: 1,
      time: '2026-03-01T09:00:00.000Z',
      actor: 'bob (crypto officer)',
      step: 'gen-root',
      type: 'key.generated',
      data: { label: 'root-2026', spki_sha256: 'e58294f2'.padEnd(64, '0') },
      prev: '0'.repeat(63) + '1',
    });
    expect(record.hash).toBe('e0aa26b73224c651a0a114323e157de9a61b2c3e4ee29e58df7eb748e66ccc51');
    const format = readFileSync(new URL('../../src/main/audit/FORMAT.md', import.meta.url), 'utf8');
    expect(format).toContain(`line:     ${line}\n`);
  });

  it('hashes lines in place exactly as a stranger recomputes them', () => {
    const awkward: UnhashedRecord[] = [
      base,
      {
        ...base,
        data: { hash: 'f'.repeat(64), nested: { hash: '0'.repeat(64), z: [{ hash: 'x' }] } },
      },
      {
        ...base,
        actor: 'Zoë ✓ 𝄞',
        step: 'étape-1',
        data: { note: 'naïve "quoted" \\ \n\u2028', 10: 'ten', 2: 'two' },
      },
      { ...base, type: 'x', data: { ',"hash":"': ',"hash":"' + 'a'.repeat(64) + '",' } },
      { ...base, data: { n: [1e21, 1.5, -0, 0.1, 123456789012345680000] } },
    ];
    for (const r of awkward) {
      const { record, line } = encodeRecord(r);
      expect(inPlace(line)).toBe(record.hash);
      expect(strangerHash(line)).toBe(record.hash);
    }
  });

  it('recognises canonical text and nothing else', () => {
    const yes = (t: string) => isCanonicalText(JSON.parse(t), t);
    expect(yes('{"a":1,"b":[true,null,"x"]}')).toBe(true);
    expect(yes('{"10":1,"2":2}')).toBe(true); // JCS order, though JSON.parse reorders integer keys
    expect(yes('{"2":2,"10":1}')).toBe(false);
    expect(yes('{"b":1,"a":2}')).toBe(false);
    expect(yes('{"a": 1}')).toBe(false);
    expect(yes('{"a":1.0}')).toBe(false);
    expect(yes('{"a":1e2}')).toBe(false);
    expect(yes('{"a":"\\u0041"}')).toBe(false);
    expect(yes('{"a":"\\/"}')).toBe(false);
    expect(yes('{"a":1,"a":1}')).toBe(false);
    expect(yes('{"a":{"d":1,"c":2}}')).toBe(false);
    expect(yes('{"\u00e9":1,"z":2}')).toBe(false); // é (U+00E9) sorts after z
    expect(yes('{"z":2,"\u00e9":1}')).toBe(true);
  });
});
