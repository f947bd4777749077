// The contract and the channel list agree, requests are strict, and the schemas match what the
// service produces (types are checked by tsc through handlers.ts; values here).
import { describe, expect, it } from 'vitest';
import {
  EVENT_NAMES,
  INVOKE_NAMES,
  eventChannel,
  invokeChannel,
  subscriberName,
} from '../../src/shared/channels';
import { MAX_LEDGER_PAGE, contract, events } from '../../src/shared/contract';
import { KEY_TYPES } from '../../src/main/hsm/types';
import { VALID_REQUESTS } from './ipc-samples';

describe('the contract', () => {
  it('has a schema pair for exactly the invoke channels, and one for exactly the events', () => {
    expect(Object.keys(contract).sort()).toEqual([...INVOKE_NAMES].sort());
    expect(Object.keys(events).sort()).toEqual([...EVENT_NAMES].sort());
  });

  it('names channels under one prefix, distinct for requests and events', () => {
    const all = [...INVOKE_NAMES.map(invokeChannel), ...EVENT_NAMES.map(eventChannel)];
    expect(new Set(all).size).toBe(all.length);
    for (const c of all) expect(c).toMatch(/^olocus:/);
    expect(subscriberName('runShareNeeded')).toBe('onRunShareNeeded');
  });

  it('accepts every key type the HSM layer generates, and nothing else', () => {
    const generate = contract.generateKey.request;
    const base = VALID_REQUESTS.generateKey as Record<string, unknown>;
    for (const type of KEY_TYPES)
      expect(generate.safeParse({ ...base, type }).success, type).toBe(true);
    expect(generate.safeParse({ ...base, type: 'ec-p192' }).success).toBe(false);
  });

  it.each(INVOKE_NAMES)('%s: the sample request is valid', (name) => {
    expect(contract[name].request.safeParse(VALID_REQUESTS[name]).success).toBe(true);
  });

  it.each(INVOKE_NAMES)('%s: an unknown key is refused, not ignored', (name) => {
    const r = contract[name].request.safeParse({ ...VALID_REQUESTS[name], extra: 1 });
    expect(r.success).toBe(false);
  });

  it('bounds strings and refuses NUL bytes in paths', () => {
    const { request } = contract.checkConfig;
    expect(request.safeParse({ path: '' }).success).toBe(false);
    expect(request.safeParse({ path: 'a'.repeat(4097) }).success).toBe(false);
    expect(request.safeParse({ path: '/etc/x\0.yaml' }).success).toBe(false);
    expect(
      contract.givePassphrase.request.safeParse({ requestId: crypto.randomUUID(), passphrase: '' })
        .success,
    ).toBe(false);
  });

  it('answers may decline: no share, no witness, no passphrase', () => {
    const requestId = crypto.randomUUID();
    expect(contract.presentShare.request.safeParse({ requestId, share: null }).success).toBe(true);
    expect(contract.signOff.request.safeParse({ requestId, name: null }).success).toBe(true);
    expect(contract.givePassphrase.request.safeParse({ requestId, passphrase: null }).success).toBe(
      true,
    );
  });

  it('error answers carry a code from the range and an optional CKR name', () => {
    expect(() =>
      contract.tokens.response.parse({
        modules: [],
        unavailable: [
          {
            name: null,
            path: '/x.so',
            error: { code: 100, message: 'no', ckr: 'CKR_GENERAL_ERROR' },
          },
        ],
      }),
    ).not.toThrow();
    expect(
      contract.tokens.response.safeParse({
        modules: [],
        unavailable: [{ name: null, path: '/x.so', error: { code: 999, message: 'no' } }],
      }).success,
    ).toBe(false);
  });
});

describe('the wizard channels', () => {
  const refused = (name: keyof typeof contract, request: unknown) =>
    expect(contract[name].request.safeParse(request).success, JSON.stringify(request)).toBe(false);

  it('appInfo takes an empty request and nothing else', () => {
    expect(contract.appInfo.request.safeParse({}).success).toBe(true);
    refused('appInfo', { workspace: '/etc' });
    refused('appInfo', null);
  });

  it('recentRuns lists the workspace by default, or a root that is a real path', () => {
    expect(contract.recentRuns.request.safeParse({}).success).toBe(true);
    refused('recentRuns', { root: '' });
    refused('recentRuns', { root: '/runs\0/x' });
  });

  it('readLedger pages are whole, non-negative and bounded', () => {
    const path = '/runs/root/audit.jsonl';
    expect(contract.readLedger.request.safeParse({ path }).success).toBe(true);
    expect(
      contract.readLedger.request.safeParse({ path, fromSeq: 0, limit: MAX_LEDGER_PAGE }).success,
    ).toBe(true);
    refused('readLedger', { path, fromSeq: -1 });
    refused('readLedger', { path, fromSeq: 1.5 });
    refused('readLedger', { path, limit: 0 });
    refused('readLedger', { path, limit: MAX_LEDGER_PAGE + 1 });
    refused('readLedger', { path, limit: Infinity });
  });

  it('migrateKey: a known wrap, a KEK label, and named approvers for destroying the source', () => {
    const base = { fromUri: 'pkcs11:token=a;object=k', toUri: 'pkcs11:token=b' };
    expect(contract.migrateKey.request.safeParse(base).success).toBe(true);
    refused('migrateKey', { ...base, wrap: 'aes-cbc' });
    refused('migrateKey', { ...base, kekLabel: '' });
    refused('migrateKey', { ...base, destroySource: [] });
    refused('migrateKey', { ...base, destroySource: ['  '] });
    refused('migrateKey', { ...base, toUri: undefined });
    const parsed = contract.migrateKey.request.parse({ ...base, destroySource: [' Alice '] });
    expect(parsed.destroySource).toEqual(['Alice']);
  });

  it('attestKey compares with a fingerprint only in lower-case hex of SHA-256 length', () => {
    const keyUri = 'pkcs11:token=a;object=k';
    refused('attestKey', { keyUri, expectedSpkiSha256: 'A'.repeat(64) });
    refused('attestKey', { keyUri, expectedSpkiSha256: 'a'.repeat(63) });
    refused('attestKey', { keyUri, acceptImported: 'yes' });
  });

  it('fingerprints go out as hex and PGP words: a generated key without words is refused', () => {
    const key = {
      label: 'k',
      id: '01',
      class: 'private',
      type: 'ec-p256',
      sizeBits: 256,
      curve: 'P-256',
      spkiSha256: 'ab'.repeat(32),
      spkiWords: 'words',
      kcv: null,
      provenance: {
        local: true,
        neverExtractable: true,
        alwaysSensitive: true,
        extractable: false,
        sensitive: true,
      },
      usage: {
        sign: true,
        verify: false,
        encrypt: false,
        decrypt: false,
        wrap: false,
        unwrap: false,
        derive: false,
      },
      token: true,
      uri: 'pkcs11:token=a;object=k',
    };
    const generated = { key, uri: key.uri, spkiWords: 'words', fingerprint: null };
    expect(contract.generateKey.response.safeParse(generated).success).toBe(true);
    const { spkiWords: _w, ...withoutWords } = generated;
    expect(contract.generateKey.response.safeParse(withoutWords).success).toBe(false);
  });
});
