// A config chosen in the app: useConfig takes an hsm-config.yaml by path or pasted, checks it
// as `config check` does (a bad one is refused with the same line:col sentences and the config
// in force stays), and from then on the token it names is the one meant when a request names
// none; activeConfig says which config is in force. Over the IPC front, on SoftHSM.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Pkcs11Provider } from '../../src/main/hsm/pkcs11/provider';
import { createToken, pin, SOFTHSM_MODULE } from '../helpers/softhsm';
import { ipcHarness } from '../helpers/ipc-harness';

const first = createToken('ipc-cfg-a', '111111');
const second = createToken('ipc-cfg-b', '222222');
const work = mkdtempSync(join(tmpdir(), 'olocus-ipc-config-'));
const h = ipcHarness();
afterAll(async () => {
  await h.service.close();
  rmSync(work, { recursive: true, force: true });
});

function yaml(label: string, userPin: string, pool = 3): string {
  const pinFile = join(work, `${label}.pin`);
  writeFileSync(pinFile, userPin, { mode: 0o600 });
  return [
    'hsm:',
    '  provider: softhsm',
    '  pkcs11:',
    `    module_path: ${SOFTHSM_MODULE}`,
    `    token_label: ${label}`,
    `    pin_source: "file:${pinFile}"`,
    '  pool:',
    `    max_sessions: ${pool}`,
    '  connection:',
    '    host: hsm.example.net',
    '',
  ].join('\n');
}
const fileA = join(work, 'a.yaml');
writeFileSync(fileA, yaml(first.label, first.userPin));

describe('choosing a config in the app', () => {
  it('none is in force at first, and a request without a URI is refused with a sentence', async () => {
    expect(await h.invoke('activeConfig', {})).toEqual({
      source: 'none',
      file: null,
      tokenUri: null,
      check: null,
    });
    const e = await h.refusal('listKeys', {});
    expect(e.code).toBe(108);
    expect(e.message).toMatch(/No token URI given/);
  });

  it('by path: checked like config check, then its token is used when no URI is given', async () => {
    const active = await h.invoke('useConfig', { path: fileA });
    expect(active).toMatchObject({ source: 'file', file: fileA });
    expect(active.tokenUri).toContain(`token=${first.label}`);
    expect(active.tokenUri).not.toContain(first.userPin);
    const check = await h.invoke('checkConfig', { path: fileA });
    expect(active.check).toEqual(check);
    expect(active.check!.unused.join('\n')).toMatch(/hsm\.connection\.host: accepted, not used/);
    const keys = await h.invoke('listKeys', {});
    expect(keys.token.label).toBe(first.label);
    expect(keys.loggedIn).toBe(true);
    expect(await h.invoke('activeConfig', {})).toEqual(active);
  });

  it('its pool settings reach the tokens opened next', async () => {
    const p = await Pkcs11Provider.open({
      modulePath: SOFTHSM_MODULE,
      token: { token: first.label },
    });
    try {
      await p.login(pin(first.userPin));
      expect(await p.poolStats()).toMatchObject({ max: 3 });
    } finally {
      await p.close();
    }
  });

  it('pasted: another token, named by its text', async () => {
    const active = await h.invoke('useConfig', {
      text: yaml(second.label, second.userPin, 5),
      name: 'pasted config',
    });
    expect(active).toMatchObject({ source: 'pasted', file: 'pasted config' });
    expect((await h.invoke('listKeys', {})).token.label).toBe(second.label);
  });

  it('a bad file is refused with the config check sentences; the config in force stays', async () => {
    const before = await h.invoke('activeConfig', {});
    const bad = join(work, 'bad.yaml');
    writeFileSync(bad, readFileSync('test/fixtures/config/bad-pool.yaml', 'utf8'));
    const viaIpc = await h.refusal('useConfig', { path: bad });
    const viaCheck = await h.refusal('checkConfig', { path: bad });
    expect(viaIpc).toEqual(viaCheck);
    expect(viaIpc.code).toBe(108);
    expect(viaIpc.message).toMatch(/bad\.yaml:4:\d+: hsm\.pool\.min_sessions \(10\) is greater/);
    // Pasted text that is not a config, and a file that is not there.
    const pasted = await h.refusal('useConfig', { text: 'hsm:\n  provider: nosuch\n' });
    expect(pasted.message).toMatch(/pasted hsm-config\.yaml:2:\d+: unknown provider "nosuch"/);
    const missing = await h.refusal('useConfig', { path: join(work, 'nowhere.yaml') });
    expect(missing.code).toBe(108);
    expect(await h.invoke('activeConfig', {})).toEqual(before);
    expect((await h.invoke('listKeys', {})).token.label).toBe(second.label);
  });

  it('a request that is neither a path nor text is refused by the contract', async () => {
    const e = await h.refusal('useConfig', { path: fileA, text: 'x' } as never);
    expect(e.code).toBe(108);
    expect(h.problems).toEqual([]);
  });
});
