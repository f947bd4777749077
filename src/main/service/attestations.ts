// The facade's attestation verdicts: which evidence an address or a file calls for, read from the
// right place, and handed to the vendor's verifier. One verdict shape comes back whatever the
// vendor (src/main/attestation/verdict.ts).
import { readFile } from 'node:fs/promises';
import {
  decodeAttestationFile,
  fromKmsKeyVersion,
  provenanceVerdict,
  readSpki,
  splitMarvellBundle,
  verifyMarvellAttestation,
  verifyYubiHsmAttestation,
} from '../attestation/index';
import type { AttestationVerdict } from '../attestation/index';
import { ErrorCode, OlocusError } from '../../shared/errors';
import { keySelectorFromUri } from '../hsm/open';
import { parseKeyAddress } from '../hsm/key-address';
import type { AwsOperations } from './aws';
import type { AzureOperations } from './azure';
import { parsePkcs11Address } from './connections';
import type { Connections } from './connections';
import type { GcpOperations } from './gcp';

const invalid = (message: string) => new OlocusError(ErrorCode.INVALID_INPUT, message);

export interface AttestKeyOptions {
  acceptImported?: boolean;
  expectedSpkiSha256?: string;
  /** A private or loopback API for cloud addresses. */
  endpoint?: string;
}

/** Files, as the CLI names them. */
export interface MarvellFiles {
  attestation: string;
  chain: string;
  ownerChain?: string;
  publicKey?: string;
  attestedAt?: string;
}

export interface YubiHsmFiles {
  attestation: string;
  deviceCert: string;
  intermediates?: string;
  root?: string;
  expectedSpkiSha256?: string;
  at?: string;
}

export class Attestations {
  constructor(
    private readonly connections: Connections,
    private readonly clouds: { azure: AzureOperations; gcp: GcpOperations; aws: AwsOperations },
  ) {}

  /**
   * The verdict for the key (or, for awscloudhsm://, the cluster) an address names: a PKCS#11
   * key's provenance attributes; an Azure Managed HSM or Cloud HSM key version's Marvell
   * attestation; a CloudHSM cluster's identity chain.
   */
  async key(keyUri: string, options: AttestKeyOptions = {}): Promise<AttestationVerdict> {
    const { endpoint, ...checks } = options;
    const scheme = parseKeyAddress(keyUri).scheme;
    if (scheme === 'azurekv') {
      if (endpoint)
        throw invalid('An Azure key is reached through its vault host; drop --endpoint.');
      return this.clouds.azure.attestKey(keyUri, checks);
    }
    if (scheme === 'gcpkms') {
      if (checks.expectedSpkiSha256)
        throw invalid(
          "A Cloud HSM verdict compares the attestation with the version's own public key; --expect-spki-sha256 does not apply.",
        );
      return this.clouds.gcp.attest(
        keyUri,
        checks.acceptImported ? { acceptImported: true } : {},
        endpoint ? { endpoint } : {},
      );
    }
    if (scheme === 'awscloudhsm') {
      if (checks.expectedSpkiSha256 || checks.acceptImported)
        throw invalid(
          'awscloudhsm:// names a cluster: its verdict is the HSM identity chain, not a key; attest its keys through the CloudHSM PKCS#11 library.',
        );
      return this.clouds.aws.attestCluster({
        cluster: keyUri,
        ...(endpoint ? { endpoint } : {}),
      });
    }
    if (endpoint) throw invalid('--endpoint is for cloud keys; a pkcs11: URI names its module.');
    const uri = parsePkcs11Address(keyUri);
    const sel = keySelectorFromUri(uri);
    const { provider } = await this.connections.get(uri, 'always');
    const info = await provider
      .getAttributes(sel.class ? sel : { ...sel, class: 'private' })
      .catch(async (e: unknown) => {
        if (sel.class) throw e;
        return provider.getAttributes({ ...sel, class: 'secret' });
      });
    return provenanceVerdict(info, { ...checks, vendor: (await provider.info()).manufacturer });
  }

  /** A Marvell LiquidSecurity (Google Cloud HSM, Azure Managed HSM) key attestation from files. */
  async marvell(input: MarvellFiles): Promise<AttestationVerdict> {
    const raw = new Uint8Array(await readFile(input.attestation));
    let attestation: Uint8Array;
    let chains: { manufacturerChainPem: string; ownerChainPem: string };
    let generated: Date | null = null;
    const text = Buffer.from(raw).toString('utf8').trim();
    if (text.startsWith('{')) {
      const kms = fromKmsKeyVersion(JSON.parse(text) as unknown);
      attestation = kms.attestation;
      chains = { manufacturerChainPem: kms.manufacturerChainPem, ownerChainPem: kms.ownerChainPem };
      generated = kms.generateTime;
    } else {
      attestation = decodeAttestationFile(raw);
      chains = { manufacturerChainPem: '', ownerChainPem: '' };
    }
    const chainText = await readFile(input.chain, 'utf8');
    chains = input.ownerChain
      ? { manufacturerChainPem: chainText, ownerChainPem: await readFile(input.ownerChain, 'utf8') }
      : chainText.trim()
        ? splitMarvellBundle(chainText)
        : chains;
    const at = input.attestedAt ? new Date(input.attestedAt) : generated;
    if (at && Number.isNaN(at.getTime()))
      throw invalid(`--attested-at is not a date: ${input.attestedAt}.`);
    return verifyMarvellAttestation({
      attestation,
      ...chains,
      ...(input.publicKey
        ? { expectedSpki: readSpki(new Uint8Array(await readFile(input.publicKey))) }
        : {}),
      ...(at
        ? {
            attestedAt: {
              at,
              source: input.attestedAt ? '--attested-at' : "the key version's generateTime",
            },
          }
        : {}),
    });
  }

  /** A YubiHSM 2 key attestation certificate, against its device certificate and Yubico's root. */
  async yubiHsm(input: YubiHsmFiles): Promise<AttestationVerdict> {
    const text = (file: string | undefined) =>
      file === undefined ? Promise.resolve(undefined) : readFile(file, 'utf8');
    const [attestationPem, deviceCertPem, intermediatesPem, rootPem] = await Promise.all([
      text(input.attestation),
      text(input.deviceCert),
      text(input.intermediates),
      text(input.root),
    ]);
    const at = input.at === undefined ? undefined : new Date(input.at);
    if (at && Number.isNaN(at.getTime())) throw invalid(`--at is not a date: ${input.at}.`);
    return verifyYubiHsmAttestation({
      attestationPem: attestationPem ?? '',
      deviceCertPem: deviceCertPem ?? '',
      ...(intermediatesPem !== undefined ? { intermediatesPem } : {}),
      ...(rootPem !== undefined ? { rootPem } : {}),
      ...(input.expectedSpkiSha256 ? { expectedSpkiSha256: input.expectedSpkiSha256 } : {}),
      ...(at ? { at } : {}),
    });
  }
}
