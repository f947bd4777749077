// key.restore: keys backed up by an earlier run come back onto this run's token. The officers
// of that run bring the backup KEK back from their shares (checked against the commitments the
// earlier run recorded); each key is unwrapped as a protected key and proven to be the same key
// by a signature that the backed-up public key verifies.
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { ErrorCode, OlocusError } from '../../../shared/errors';
import { verifyWithSpki } from '../../hsm/software-verify';
import type { KeyType } from '../../hsm/types';
import type { Step } from '../script/schema';
import type { RunContext } from './context';
import { fingerprint, sha256 } from './context';
import { collectQuorum } from './quorum-session';
import { loadState } from './state';
import type { StepState } from './state';
import { slug } from './token-step';

type RestoreStep = Extract<Step, { type: 'key.restore' }>;

interface BackupMeta {
  label: string;
  type: KeyType;
  spki_sha256: string | null;
  kek: string;
  blob_sha256: string;
}

const PROOF = Buffer.from('olocus key.restore proof of possession');

export async function restoreKeys(
  ctx: RunContext,
  step: RestoreStep,
  st: StepState,
): Promise<string> {
  await ctx.ensureQuorum(step);
  const source = isAbsolute(step.backup) ? step.backup : resolve(ctx.dir, '..', step.backup);
  const sourceState = await loadState(source);
  if (!sourceState)
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      `${source} holds no ceremony run to restore from.`,
    );
  const metas: BackupMeta[] = [];
  for (const label of step.keys) {
    const file = join(source, 'backup', `${slug(label)}.json`);
    try {
      metas.push(JSON.parse(await readFile(file, 'utf8')) as BackupMeta);
    } catch {
      throw new OlocusError(
        ErrorCode.INVALID_INPUT,
        `${source} has no backup of key "${label}" (${file}).`,
      );
    }
  }
  const kekLabels = [...new Set(metas.map((m) => m.kek))];
  if (kekLabels.length !== 1)
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      `The keys were backed up under different KEKs (${kekLabels.join(', ')}); restore them in separate steps.`,
    );
  const secretId = `backup-kek:${kekLabels[0]}`;
  const record = sourceState.secrets[secretId];
  if (!record)
    throw new OlocusError(ErrorCode.INVALID_INPUT, `${source} recorded no split of ${secretId}.`);

  const hsm = await ctx.provider();
  const { secret: kek, custodians } = await collectQuorum(ctx.room, ctx.quorumLog(step.id), {
    ceremonyId: sourceState.ceremonyId,
    secretId,
    purpose: `re-creating backup KEK "${kekLabels[0]}" of ceremony ${sourceState.ceremonyId}`,
    record,
  });
  const kekLabel = `${kekLabels[0]}-restore-session`;
  const restored: Record<string, unknown>[] = [];
  try {
    await ctx.event(step.id, 'quorum.met', {
      split: secretId,
      ceremony: sourceState.ceremonyId,
      custodians,
      threshold: record.threshold,
    });
    // importSecretKey zeroes what it is given: it gets a copy; the Secret is disposed below.
    await hsm.importSecretKey('aes-256', kek.copy(), { label: kekLabel, usage: ['wrap'] });
    try {
      for (const meta of metas) {
        const blob = await readFile(join(source, 'backup', `${slug(meta.label)}.wrapped`));
        if (sha256(blob) !== meta.blob_sha256) {
          throw new OlocusError(
            ErrorCode.INVALID_INPUT,
            `The backup blob of "${meta.label}" does not match the SHA-256 its backup recorded; it was altered.`,
          );
        }
        const cls = meta.type.startsWith('aes') ? 'secret' : 'private';
        const info = await hsm.unwrapKey({ label: kekLabel }, blob, 'aes-kwp', {
          type: meta.type,
          class: cls,
          label: meta.label,
        });
        let proof = 'kcv';
        if (cls === 'private') {
          const spki = await readFile(join(source, 'public-keys', `${slug(meta.label)}.spki.der`));
          if (meta.spki_sha256 && sha256(spki) !== meta.spki_sha256)
            throw new OlocusError(
              ErrorCode.INVALID_INPUT,
              `The public key of "${meta.label}" in ${source} does not match its backup record.`,
            );
          const sig = await hsm.sign({ label: meta.label, class: 'private' }, PROOF);
          if (!verifyWithSpki(spki, sig.algorithm, PROOF, sig.signature)) {
            await hsm.destroyKey({ label: meta.label }).catch(() => undefined);
            throw new OlocusError(
              ErrorCode.OPERATION_FAILED,
              `The restored "${meta.label}" is not the backed-up key: its signature does not verify under the backed-up public key. It was destroyed.`,
            );
          }
          proof = 'signature verified under the backed-up public key';
          // Its public half joins it on the token, as for a key generated there.
          await hsm.importPublicKey(spki, {
            label: meta.label,
            id: Buffer.from(info.id, 'hex'),
            token: true,
          });
          ctx.state.keys[meta.label] = {
            label: meta.label,
            type: meta.type,
            class: 'private',
            spkiSha256: meta.spki_sha256,
            id: info.id,
            step: step.id,
          };
          await ctx.output(`public-keys/${slug(meta.label)}.spki.der`, spki);
        }
        const entry = {
          label: meta.label,
          type: meta.type,
          from: sourceState.ceremonyId,
          provenance: info.provenance,
          proof,
          ...(meta.spki_sha256 ? { spki_sha256: meta.spki_sha256 } : {}),
        };
        await ctx.event(step.id, 'key.restored', entry);
        restored.push({
          label: meta.label,
          type: meta.type,
          provenance: info.provenance,
          ...(meta.spki_sha256 ? { fingerprint: fingerprint(meta.spki_sha256) } : {}),
        });
      }
    } finally {
      await hsm.destroyKey({ label: kekLabel }).catch(() => undefined);
    }
  } finally {
    kek.dispose();
  }
  await ctx.save();
  st.results = { restored };
  return `${step.keys.join(', ')} ${step.keys.length === 1 ? 'was' : 'were'} restored from ${sourceState.ceremonyId} and proven to be the backed-up key${step.keys.length === 1 ? '' : 's'}.`;
}
