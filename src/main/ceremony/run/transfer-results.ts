// A transfer's public results and the witness's statement, built from its `key.migrated` ledger
// record, so that a run that finished the step and one that recovered it say the same.
import type { TransferStep } from '../script/schema';
import { fingerprint } from './context';

type Rec = Record<string, unknown>;

const side = (d: unknown, withProvenance: boolean): Rec => {
  const s = (d ?? {}) as Rec;
  return {
    token: s.token,
    ...(typeof s.spki_sha256 === 'string'
      ? { fingerprint: fingerprint(s.spki_sha256) }
      : { kcv: s.kcv }),
    ...(withProvenance ? { provenance: s.provenance } : {}),
  };
};

const labelOf = (step: TransferStep) => (typeof step.key === 'string' ? step.key : step.key.label);

export function transferResults(
  step: TransferStep,
  migrated: Rec,
  approvedBy: string[] | null,
): Record<string, unknown> {
  const proof = (migrated.proof ?? {}) as Rec;
  return {
    transfer: {
      key: labelOf(step),
      to: step.to,
      wrap: step.wrap,
      kek: step.kek ?? null,
      destroySource: step.destroy_source,
      class: migrated.class,
      type: migrated.type,
      mechanisms: migrated.mechanisms,
      // Chosen by what the two HSMs support, not by the script (the transcript leaves it out).
      oaepHash: migrated.oaep_hash,
      proofMethod: proof.method,
      proven: migrated.outcome === 'verified',
      source: side(migrated.source, false),
      target: side(migrated.target, true),
      sourceDestroyed: approvedBy ? { approvedBy } : null,
    },
  };
}

export function transferStatement(step: TransferStep, migrated: Rec, destroyed: boolean): string {
  const t = (migrated.target ?? {}) as Rec;
  const s = (migrated.source ?? {}) as Rec;
  const same =
    typeof s.spki_sha256 === 'string'
      ? `the same public key on both tokens (SPKI SHA-256 ${s.spki_sha256})`
      : `the same key check value on both tokens (KCV ${String(s.kcv)})`;
  return `Key "${labelOf(step)}" was transferred to target "${step.to}" (${String(t.token)}) with ${step.wrap} and proven there: ${same}.${destroyed ? ' The source key was destroyed on the ceremony token, as the approvers agreed.' : ''}`;
}
