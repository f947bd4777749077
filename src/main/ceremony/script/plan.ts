// The dry-run plan: what each step will do, in words the room can follow before anything runs.
import type { CeremonyScript, Step, TransferStep } from './schema';

export interface PlannedStep {
  number: number;
  id: string;
  type: Step['type'];
  title: string;
  actions: string[];
  needsQuorum: boolean;
  witness: 'required' | 'optional' | 'none';
}

export interface Plan {
  ceremony: CeremonyScript['ceremony'];
  hsm: string;
  /** Other HSMs transfer steps move keys to, with their PKCS#11 URIs (a PIN source, never a PIN). */
  targets: { name: string; uri: string }[];
  quorum: string;
  participants: CeremonyScript['roles'];
  steps: PlannedStep[];
}

/** Steps that log in as the user: they wait until M officers have presented their shares. */
const QUORUM_STEPS = new Set<Step['type']>([
  'key.generate',
  'certificate.self_signed',
  'certificate.csr',
  'key.backup',
  'key.restore',
  'transfer',
  'key.rotate',
]);

function actions(step: Step, s: CeremonyScript): string[] {
  const m = s.quorum.threshold;
  const n = s.roles.officers.length;
  switch (step.type) {
    case 'token.initialize':
      return [
        'Initialise the token with a generated Security Officer PIN and a generated user PIN.',
        `Split both PINs ${m}-of-${n} among the officers; print one share card per officer.`,
        `Record a commitment of every share in the ledger; generate the audit key "${step.audit_key.label}" (${step.audit_key.type}).`,
      ];
    case 'key.generate':
      return [
        `Generate ${step.key.type} key "${step.key.label}": sensitive, on the token, ${step.policy.backup ? 'extractable only in wrapped form, for the backup step' : 'never extractable'}.`,
        'Read its attributes back and refuse the key if the HSM did not apply that policy.',
        'Show the SPKI SHA-256 fingerprint as hex and PGP words.',
      ];
    case 'certificate.self_signed':
      return [
        `Issue a self-signed ${step.ca ? 'CA ' : ''}certificate for "${step.key}" (${step.subject}), valid ${step.validity_days} days, signed inside the HSM.`,
      ];
    case 'certificate.csr':
      return [
        `Create a certificate signing request for "${step.key}" (${step.subject}), signed inside the HSM.`,
      ];
    case 'key.backup':
      return [
        `Generate a backup KEK "${step.kek.label}" and split it ${m}-of-${n} among the officers.`,
        `Wrap ${step.keys.map((k) => `"${k}"`).join(', ')} under it (AES key wrap with padding) and write the blobs to the run directory.`,
      ];
    case 'key.restore':
      return [
        `Reconstruct the backup KEK from ${m} officers' shares and unwrap ${step.keys.join(', ')} from "${step.backup}".`,
      ];
    case 'witness.checkpoint':
      return [`The witness confirms: "${step.statement}"`];
    case 'key.rotate':
      return [
        `Make the next version of key family "${step.key.split('@')[0]}" (same type and attributes), make it primary, and retire older versions as the key policy says; reason: ${step.reason}.`,
      ];
    case 'transfer':
      return transferActions(step, s);
    case 'sign.batch':
      return [
        `Check that each of the ${step.files.length} files has the SHA-256 this script pins, refusing any that differs.`,
        `Sign them with "${step.key}" inside the HSM; write one signature per file and a signed batch manifest.`,
      ];
    default:
      return [`Run the ${step.type} step (provided by its own module).`];
  }
}

function transferActions(step: TransferStep, s: CeremonyScript): string[] {
  const label = typeof step.key === 'string' ? step.key : step.key.label;
  const out = [
    `Open target "${step.to}" (${s.targets[step.to]?.uri ?? 'not defined'}) and log in with the PIN from its pin-source.`,
  ];
  if (step.wrap === 'rsa-aes-kwp') {
    out.push(
      `The target makes an RSA transport key; "${label}" is wrapped on the ceremony token under an ephemeral AES-256 key (RFC 5649, with the number each token resolves to), that key under the transport key (RSA-OAEP), and unwrapped on the target as a sensitive, non-extractable key.`,
    );
  } else if (step.kek && 'backup' in step.kek) {
    out.push(
      `Reconstruct backup KEK "${step.kek.backup}" from ${s.quorum.threshold} officers' shares, load it on both tokens for this step only, and move "${label}" under it (RFC 5649 key wrap, the number each token resolves to).`,
    );
  } else if (step.kek) {
    out.push(
      `Move "${label}" under the KEK "${step.kek.label}" that both tokens hold (RFC 5649 key wrap, the number each token resolves to).`,
    );
  }
  out.push(
    'Prove the copy before anything else: same public key and a signature the source public key verifies (or the same KCV for a secret key); record both fingerprints, the mechanisms and the outcome.',
  );
  const made = s.steps.find((x) => x.type === 'key.generate' && x.key.label === label);
  if (made?.type === 'key.generate' && !made.policy.backup)
    out.push(
      `Note: "${label}" is generated without policy.backup: true, so it is not extractable and the HSM will refuse to wrap it; this step will stop there.`,
    );
  if (step.destroy_source)
    out.push(
      `Then ${(step.approved_by ?? []).join(', ')} present their shares to approve, and "${label}" is destroyed on the ceremony token.`,
    );
  return out;
}

export function planScript(s: CeremonyScript): Plan {
  return {
    ceremony: s.ceremony,
    hsm: s.hsm.uri,
    targets: Object.entries(s.targets).map(([name, t]) => ({ name, uri: t.uri })),
    quorum: `${s.quorum.threshold} of ${s.roles.officers.length} officers`,
    participants: s.roles,
    steps: s.steps.map((step, i) => ({
      number: i + 1,
      id: step.id,
      type: step.type,
      title: step.title ?? step.id,
      actions: actions(step, s),
      needsQuorum: QUORUM_STEPS.has(step.type),
      witness: step.witness,
    })),
  };
}

export function formatPlan(p: Plan): string {
  const lines = [
    `${p.ceremony.name} (${p.ceremony.id})`,
    `Location: ${p.ceremony.location}`,
    `HSM: ${p.hsm}${/[;:?&]module-path=/.test(p.hsm) && /[:;]token=/.test(p.hsm) ? '' : ' (what it leaves out comes from the hsm-config.yaml the run is given: hsm.pkcs11)'}`,
    ...p.targets.map((t) => `Target HSM "${t.name}": ${t.uri}`),
    `Quorum: ${p.quorum}`,
    `Administrator: ${p.participants.administrator}`,
    `Officers: ${p.participants.officers.join(', ')}`,
    `Witnesses: ${p.participants.witnesses.join(', ') || 'none'}`,
    ...(p.participants.auditor ? [`Auditor: ${p.participants.auditor}`] : []),
    '',
  ];
  for (const st of p.steps) {
    const tags = [st.needsQuorum ? 'quorum' : '', st.witness === 'required' ? 'witness' : '']
      .filter(Boolean)
      .join(', ');
    lines.push(`${st.number}. ${st.title} [${st.type}${tags ? `; ${tags}` : ''}]`);
    for (const a of st.actions) lines.push(`   - ${a}`);
  }
  return lines.join('\n');
}
