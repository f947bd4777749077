// Ledger events of a migration. Only public facts go in: labels, fingerprints, KCVs, mechanism
// names, strengths and outcomes; the ledger's own guard refuses raw bytes as a second line.
import { OlocusError } from '../../shared/errors';
import type { LedgerEventType } from '../audit/events';
import type { MigrationResult, TransferAudit } from './types';

export class TransferLog {
  constructor(private readonly audit: TransferAudit | undefined) {}

  async event(type: LedgerEventType, data: Record<string, unknown>): Promise<void> {
    const a = this.audit;
    if (!a) return;
    if ('event' in a) return a.event(type, data);
    await a.ledger.append({ actor: a.actor, step: a.step ?? null, type, data });
  }

  migrated(r: MigrationResult): Promise<void> {
    return this.event('key.migrated', {
      label: r.label,
      class: r.class,
      type: r.type,
      wrap: r.wrap,
      mechanisms: r.mechanisms,
      kwp: {
        source: {
          mechanism: r.kwp.source.mechanism,
          name: r.kwp.source.name,
          decided_by: r.kwp.source.decidedBy,
        },
        target: {
          mechanism: r.kwp.target.mechanism,
          name: r.kwp.target.name,
          decided_by: r.kwp.target.decidedBy,
        },
      },
      oaep_hash: r.oaepHash,
      oaep_note: r.oaepNote,
      rsa_aes_native: r.nativeRsaAes,
      strength_bits: {
        key: r.strength.keyBits,
        wrap: r.strength.wrapBits,
        below_key: r.strength.belowKey,
      },
      source: {
        token: r.source.token,
        uri: r.source.uri,
        spki_sha256: r.source.spkiSha256,
        kcv: r.source.kcv,
      },
      target: {
        token: r.target.token,
        uri: r.target.uri,
        spki_sha256: r.target.spkiSha256,
        kcv: r.target.kcv,
        provenance: { ...r.target.provenance },
      },
      proof: {
        method: r.proof.method,
        spki_match: r.proof.spkiMatch,
        signature_verified: r.proof.signatureVerified,
        kcv_match: r.proof.kcvMatch,
      },
      outcome: 'verified',
    });
  }

  /** A refusal (before anything was wrapped) or a failure (after): the reason, never a secret. */
  problem(
    outcome: 'refused' | 'failed',
    what: { label: string; source: string; target: string; spkiSha256?: string | null },
    e: unknown,
  ): Promise<void> {
    return this.event(outcome === 'refused' ? 'key.migration_refused' : 'key.migration_failed', {
      label: what.label,
      source_token: what.source,
      target_token: what.target,
      source_spki_sha256: what.spkiSha256 ?? null,
      outcome,
      code: e instanceof OlocusError ? e.code : null,
      reason: e instanceof Error ? e.message : String(e),
    });
  }
}
