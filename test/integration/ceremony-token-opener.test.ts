// The ceremony engine opens its tokens through the opener the service hands it, not through the
// PKCS#11 provider class: a provider that fails on demand (a stand-in for an HSM that goes bad,
// wrapping the real SoftHSM token) stops the run at that step, and the same run resumes with
// the ordinary opener, nothing done twice.
import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { verifyLedger } from '../../src/main/audit/index';
import { ScriptedRoom } from '../../src/main/ceremony/rooms/scripted-room';
import { loadState } from '../../src/main/ceremony/run/state';
import { parseScript } from '../../src/main/ceremony/script/load';
import { openPkcs11Token } from '../../src/main/hsm/open-token';
import type { TokenOpener } from '../../src/main/hsm/open-token';
import type { TokenProvider } from '../../src/main/hsm/provider';
import { ErrorCode, OlocusError } from '../../src/shared/errors';
import { runCeremony } from '../helpers/run-ceremony';
import { SOFTHSM_MODULE, useSoftHsm } from '../helpers/softhsm';

useSoftHsm();
const work = mkdtempSync(join(tmpdir(), 'olocus-opener-'));
const text = readFileSync(
  fileURLToPath(new URL('../../resources/ceremonies/root-ca.yaml', import.meta.url)),
  'utf8',
)
  .replace('token=olocus-root-2026', 'token=opener-failing')
  .replace(/module-path=[^'"]+/, `module-path=${SOFTHSM_MODULE}`);
const script = parseScript(text);

/** Opens the real token, but generating the root key fails with 107 the first time. */
function failingOnce(): { open: TokenOpener; opened: string[] } {
  const opened: string[] = [];
  let failed = false;
  const open: TokenOpener = async (options) => {
    opened.push(options.token?.token ?? '(module)');
    const real = await openPkcs11Token(options);
    return new Proxy(real, {
      get(target, prop, receiver) {
        if (prop === 'generateKeyPair' && !failed) {
          return async (...args: unknown[]) => {
            const label = (args[1] as { label?: string } | undefined)?.label;
            if (label !== 'root-ca-2026')
              return real.generateKeyPair(
                ...(args as Parameters<TokenProvider['generateKeyPair']>),
              );
            failed = true;
            throw new OlocusError(ErrorCode.OPERATION_FAILED, 'Injected device error.', {
              ckr: 'CKR_DEVICE_ERROR',
            });
          };
        }
        const v = Reflect.get(target, prop, receiver) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    }) as TokenProvider;
  };
  return { open, opened };
}

describe('a run opens its tokens through the opener it is given', () => {
  it('a provider that fails on demand stops the run at the key step; the ordinary opener resumes it', async () => {
    const dir = join(work, 'run');
    const { open, opened } = failingOnce();
    // One room for both runs: it holds the cards the officers were given.
    const room = new ScriptedRoom();
    const err = await runCeremony({
      script,
      scriptText: text,
      dir,
      room,
      hsm: { open },
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.OPERATION_FAILED, ckr: 'CKR_DEVICE_ERROR' });
    // The engine used the opener for the module (initialising the token) and for the token.
    expect(opened).toContain('opener-failing');
    const state = await loadState(dir);
    expect(state?.status).toBe('running');
    expect(state?.steps.find((s) => s.id === 'root-key')?.status).not.toBe('done');

    const summary = await runCeremony({ script, scriptText: text, dir, room });
    expect(summary.status).toBe('finished');
    const records = readFileSync(join(dir, 'audit.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; data: Record<string, unknown> });
    expect(records.filter((r) => r.type === 'token.initialized')).toHaveLength(1);
    expect(
      records.filter((r) => r.type === 'key.generated' && r.data.label === 'root-ca-2026'),
    ).toHaveLength(1);
    expect((await verifyLedger(join(dir, 'audit.jsonl'))).ok).toBe(true);
  });
});
