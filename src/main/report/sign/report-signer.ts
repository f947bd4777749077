// The key that signs the report. In a ceremony it is an EC P-256 key generated on the ceremony
// token (label report-signing-<ceremony id>) whose private half never leaves the HSM; its
// certificate is issued by the ceremony's root when the run made a self-signed CA, so a verifier
// can chain the report to the root whose fingerprint the witnesses read aloud.
import { createHash, createPublicKey, sign as nodeSign, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  issueCertificate,
  selfSignedCertificate,
  type HsmSigningKey,
  type IssuedCertificate,
} from '../../hsm/certificates';
import { loadState, type RunState } from '../../ceremony/run/state';
import type { HsmIdentity } from '../../compliance/index';
import type {
  KeyInfo,
  KeySelector,
  KeyType,
  ModuleInfo,
  SignAlgorithm,
  TokenInfo,
} from '../../hsm/types';
import { ErrorCode, OlocusError } from '../../../shared/errors';

export interface ReportSigner {
  keyLabel: string;
  /** Where the private key lives, in words for the report. */
  keyLocation: string;
  spki: Uint8Array;
  spkiSha256: string;
  /** DER of the signing certificate. */
  certificate: Uint8Array;
  /** DER of the issuer certificates, nearest first; empty when self-signed. */
  chain: Uint8Array[];
  issuedBy: 'ceremony-root' | 'self-signed';
  rootKeyLabel: string | null;
  /** ECDSA P-256 over SHA-256(data), raw r||s (what the HSM returns). */
  sign(data: Uint8Array): Promise<Uint8Array>;
  /** Public facts for the ledger (the engine records them before the final head signature). */
  record: {
    label: string;
    key_type: 'ec-p256';
    spki_sha256: string;
    key_created: boolean;
    certificate_sha256: string;
    certificate_serial: string;
    issued_by: 'ceremony-root' | 'self-signed';
    root_key: string | null;
  };
  /** The token's identity, for the FIPS posture section. */
  hsm: HsmIdentity & { tokenLabel?: string; serial?: string };
}

/** What the report needs from an HSM provider (Pkcs11Provider has all of it). */
export interface ReportHsm {
  listKeys(filter?: KeySelector): Promise<KeyInfo[]>;
  generateKeyPair(
    type: KeyType,
    options: { label: string; extractable?: boolean },
  ): Promise<{ privateKey: KeyInfo; publicKey: KeyInfo }>;
  publicKey(sel: KeySelector): Promise<Uint8Array>;
  sign(
    sel: KeySelector,
    data: Uint8Array,
    algorithm?: SignAlgorithm,
  ): Promise<{ signature: Uint8Array }>;
  tokenInfo(): Promise<TokenInfo>;
  info(): Promise<ModuleInfo>;
}

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

export const reportKeyLabel = (ceremonyId: string): string => `report-signing-${ceremonyId}`;

/** The self-signed CA certificate the run made, if any: its key label and certificate file. */
function rootOf(state: RunState): { label: string; pemPath: string } | null {
  for (const st of state.steps) {
    if (st.type !== 'certificate.self_signed' || st.status !== 'done') continue;
    const cert = st.results?.certificate as { key?: string; ca?: boolean } | undefined;
    const outputs = (st.results?.outputs as string[] | undefined) ?? [];
    const pem = outputs.find((o) => o.endsWith('.pem'));
    if (cert?.ca && cert.key && pem && state.keys[cert.key])
      return { label: cert.key, pemPath: pem };
  }
  return null;
}

function hsmKey(hsm: ReportHsm, label: string, type: KeyType, spki: Uint8Array): HsmSigningKey {
  return {
    type,
    spki,
    sign: async (data) => (await hsm.sign({ label, class: 'private' }, data)).signature,
  };
}

/**
 * Finds or generates the report-signing key on the ceremony token (logged in) and certifies it.
 * Call it while the token is open; the returned `record` is what the ledger should say about it.
 */
export async function prepareReportSigner(
  hsm: ReportHsm,
  options: { runDir: string; now?: () => Date; validityDays?: number },
): Promise<ReportSigner> {
  const state = await loadState(options.runDir);
  if (!state)
    throw new OlocusError(ErrorCode.INVALID_INPUT, `${options.runDir} holds no ceremony run.`);
  const now = (options.now ?? (() => new Date()))();
  const label = reportKeyLabel(state.ceremonyId);
  const existing = (await hsm.listKeys({ label })).find((k) => k.class === 'private');
  let created = false;
  if (!existing) {
    await hsm.generateKeyPair('ec-p256', { label, extractable: false });
    created = true;
  } else if (existing.type !== 'ec-p256') {
    throw new OlocusError(
      ErrorCode.POLICY_VIOLATION,
      `Key "${label}" exists but is ${existing.type}, not the EC P-256 key the report is signed with.`,
    );
  }
  const spki = await hsm.publicKey({ label, class: 'private' });
  const subject = `CN=Olocus Ceremony report signing ${state.ceremonyId}`;
  const days = options.validityDays ?? 3653;
  const root = rootOf(state);
  let cert: IssuedCertificate;
  let chain: Uint8Array[] = [];
  if (root) {
    const rootPem = await readFile(join(options.runDir, root.pemPath), 'utf8');
    const rootType = state.keys[root.label]!.type as KeyType;
    const rootSpki = await hsm.publicKey({ label: root.label, class: 'private' });
    cert = await issueCertificate(hsmKey(hsm, root.label, rootType, rootSpki), rootPem, spki, {
      subject,
      subjectKeyType: 'ec-p256',
      validityDays: days,
      notBefore: now,
      usage: 'document-signing',
    });
    chain = [pemToDer(rootPem)];
  } else {
    cert = await selfSignedCertificate(hsmKey(hsm, label, 'ec-p256', spki), {
      subject,
      validityDays: days,
      ca: false,
      notBefore: now,
    });
  }
  const [token, mod] = await Promise.all([hsm.tokenInfo(), hsm.info()]);
  return {
    keyLabel: label,
    keyLocation: `HSM token "${token.label}" (${token.manufacturer} ${token.model}, serial ${token.serial}); not extractable`,
    spki,
    spkiSha256: sha256(spki),
    certificate: cert.der,
    chain,
    issuedBy: root ? 'ceremony-root' : 'self-signed',
    rootKeyLabel: root?.label ?? null,
    sign: async (data) =>
      (await hsm.sign({ label, class: 'private' }, data, 'ecdsa-sha256')).signature,
    record: {
      label,
      key_type: 'ec-p256',
      spki_sha256: sha256(spki),
      key_created: created,
      certificate_sha256: cert.sha256,
      certificate_serial: cert.serialNumber,
      issued_by: root ? 'ceremony-root' : 'self-signed',
      root_key: root?.label ?? null,
    },
    hsm: {
      libraryManufacturer: mod.manufacturer,
      libraryDescription: mod.description,
      modulePath: mod.path,
      tokenManufacturer: token.manufacturer,
      tokenModel: token.model,
      firmwareVersion: token.firmwareVersion,
      tokenLabel: token.label,
      serial: token.serial,
    },
  };
}

/** DER of a PEM certificate. */
export function pemToDer(pem: string): Uint8Array {
  const b64 = pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
  return new Uint8Array(Buffer.from(b64, 'base64'));
}

/**
 * A self-signed software signer: for rehearsals without an HSM, tests and the benchmark. The
 * report says so on its signature page.
 */
export async function softwareReportSigner(
  privateKey: KeyObject,
  options: { ceremonyId: string; now?: Date; hsm?: ReportSigner['hsm'] },
): Promise<ReportSigner> {
  const spki = new Uint8Array(createPublicKey(privateKey).export({ format: 'der', type: 'spki' }));
  const sign = async (data: Uint8Array) =>
    new Uint8Array(nodeSign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' }));
  const cert = await selfSignedCertificate(
    { type: 'ec-p256', spki, sign },
    {
      subject: `CN=Olocus Ceremony report signing ${options.ceremonyId} (software key)`,
      validityDays: 365,
      ca: false,
      ...(options.now ? { notBefore: options.now } : {}),
    },
  );
  return {
    keyLabel: `software:${options.ceremonyId}`,
    keyLocation: 'software key in memory (not an HSM): for rehearsals, tests and benchmarks only',
    spki,
    spkiSha256: sha256(spki),
    certificate: cert.der,
    chain: [],
    issuedBy: 'self-signed',
    rootKeyLabel: null,
    sign,
    record: {
      label: `software:${options.ceremonyId}`,
      key_type: 'ec-p256',
      spki_sha256: sha256(spki),
      key_created: true,
      certificate_sha256: cert.sha256,
      certificate_serial: cert.serialNumber,
      issued_by: 'self-signed',
      root_key: null,
    },
    hsm: options.hsm ?? {},
  };
}
