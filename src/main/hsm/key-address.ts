// Key addresses: an RFC 7512 PKCS#11 URI (uri.ts) or one of the cloud KMS addresses of CLI.md
// ("Addressing"): azurekv://, gcpkms://, awscloudhsm://. Strict for the same reason as uri.ts: a
// mistyped segment must not quietly name another vault, key ring or cluster.
import { ErrorCode, OlocusError } from '../../shared/errors';
import { formatPkcs11Uri, parsePkcs11Uri } from './uri';
import type { Pkcs11Uri } from './uri';

export type KeyAddress =
  | { scheme: 'pkcs11'; uri: Pkcs11Uri }
  | { scheme: 'azurekv'; vaultHost: string; keyName: string; version?: string }
  | {
      scheme: 'gcpkms';
      project: string;
      location: string;
      keyRing: string;
      cryptoKey: string;
      version?: string;
    }
  | { scheme: 'awscloudhsm'; region: string; clusterId: string };

function invalid(message: string): OlocusError {
  return new OlocusError(ErrorCode.INVALID_INPUT, message);
}

// Cloud key addresses (CLI.md "Addressing").

const DNS_LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const VAULT_HOST = new RegExp(`^(?=.{1,253}$)${DNS_LABEL}(?:\\.${DNS_LABEL})+$`);
const AZURE_KEY_NAME = /^[0-9A-Za-z-]{1,127}$/;
const AZURE_KEY_VERSION = /^[0-9A-Fa-f]{32}$/;
// A project id, optionally domain-scoped (example.com:my-project), or a project number.
const GCP_PROJECT = /^(?:(?:[a-z0-9-]+\.)+[a-z]+:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$|^[0-9]{1,20}$/;
const GCP_LOCATION = /^[a-z][a-z0-9-]{0,62}$/;
const GCP_ID = /^[A-Za-z0-9_-]{1,63}$/;
const GCP_VERSION = /^[1-9][0-9]{0,19}$/;
const AWS_REGION = /^[a-z]{2}(?:-[a-z]+)+-[0-9]{1,2}$/;
const AWS_CLUSTER_ID = /^cluster-[a-z0-9]+$/;

const SCHEMES = 'pkcs11:, azurekv://, gcpkms:// or awscloudhsm://';

/** Parses any key address the CLI accepts: a PKCS#11 URI or a cloud KMS key. */
export function parseKeyAddress(text: string): KeyAddress {
  if (/^pkcs11:/i.test(text)) return { scheme: 'pkcs11', uri: parsePkcs11Uri(text) };
  const match = /^([a-z0-9]+):\/\/(.*)$/i.exec(text);
  const scheme = match?.[1]?.toLowerCase();
  const segments = (match?.[2] ?? '').split('/');
  switch (scheme) {
    case 'azurekv':
      return parseAzure(segments);
    case 'gcpkms':
      return parseGcp(segments);
    case 'awscloudhsm':
      return parseAws(segments);
    default:
      throw invalid(`A key address must start with ${SCHEMES}.`);
  }
}

function check(value: string | undefined, pattern: RegExp, message: string): string {
  if (value === undefined || !pattern.test(value)) throw invalid(message);
  return value;
}

function parseAzure(segments: string[]): KeyAddress {
  const [host, keys, keyName, version, ...extra] = segments;
  const shape = 'An Azure Key Vault address is azurekv://VAULT-HOST/keys/NAME[/VERSION].';
  if (keys !== 'keys' || extra.length > 0) throw invalid(shape);
  const address: KeyAddress = {
    scheme: 'azurekv',
    // Host names are case-insensitive; one spelling keeps addresses comparable.
    vaultHost: check(
      host,
      VAULT_HOST,
      'The Azure vault host must be a DNS name such as myvault.vault.azure.net.',
    ).toLowerCase(),
    keyName: check(
      keyName,
      AZURE_KEY_NAME,
      'The Azure key name must be 1 to 127 letters, digits or hyphens.',
    ),
  };
  if (version !== undefined) {
    address.version = check(
      version,
      AZURE_KEY_VERSION,
      'The Azure key version must be 32 hexadecimal characters.',
    );
  }
  return address;
}

function parseGcp(segments: string[]): KeyAddress {
  const shape =
    'A Cloud KMS address is gcpkms://projects/P/locations/L/keyRings/R/cryptoKeys/K' +
    '[/cryptoKeyVersions/V].';
  const [c1, project, c2, location, c3, keyRing, c4, cryptoKey, c5, version, ...extra] = segments;
  const collectionsOk =
    c1 === 'projects' &&
    c2 === 'locations' &&
    c3 === 'keyRings' &&
    c4 === 'cryptoKeys' &&
    (c5 === undefined ? version === undefined : c5 === 'cryptoKeyVersions');
  if (!collectionsOk || extra.length > 0) throw invalid(shape);
  const address: KeyAddress = {
    scheme: 'gcpkms',
    project: check(
      project,
      GCP_PROJECT,
      'The GCP project must be a project id such as my-project-123 or a project number.',
    ),
    location: check(
      location,
      GCP_LOCATION,
      'The GCP location must be a location id such as global or europe-west3.',
    ),
    keyRing: check(
      keyRing,
      GCP_ID,
      'The GCP key ring id must be 1 to 63 letters, digits, "-" or "_".',
    ),
    cryptoKey: check(
      cryptoKey,
      GCP_ID,
      'The GCP crypto key id must be 1 to 63 letters, digits, "-" or "_".',
    ),
  };
  if (c5 !== undefined) {
    address.version = check(
      version,
      GCP_VERSION,
      'The GCP crypto key version must be a positive whole number.',
    );
  }
  return address;
}

function parseAws(segments: string[]): KeyAddress {
  const [region, clusterId, ...extra] = segments;
  if (extra.length > 0) {
    throw invalid('An AWS CloudHSM address is awscloudhsm://REGION/CLUSTER-ID.');
  }
  return {
    scheme: 'awscloudhsm',
    region: check(region, AWS_REGION, 'The AWS region must look like us-east-1.'),
    clusterId: check(
      clusterId,
      AWS_CLUSTER_ID,
      'The AWS CloudHSM cluster id must look like cluster-1a2b3c4d5e6.',
    ),
  };
}

/** Prints a key address; parseKeyAddress(formatKeyAddress(a)) gives `a` back. */
export function formatKeyAddress(address: KeyAddress): string {
  if (address.scheme === 'pkcs11') return formatPkcs11Uri(address.uri);
  const text = formatCloudAddress(address);
  // A hand-built name containing "/" would otherwise print as a different key.
  parseKeyAddress(text);
  return text;
}

function formatCloudAddress(address: Exclude<KeyAddress, { scheme: 'pkcs11' }>): string {
  switch (address.scheme) {
    case 'azurekv':
      return (
        `azurekv://${address.vaultHost}/keys/${address.keyName}` +
        (address.version === undefined ? '' : `/${address.version}`)
      );
    case 'gcpkms':
      return (
        `gcpkms://projects/${address.project}/locations/${address.location}` +
        `/keyRings/${address.keyRing}/cryptoKeys/${address.cryptoKey}` +
        (address.version === undefined ? '' : `/cryptoKeyVersions/${address.version}`)
      );
    case 'awscloudhsm':
      return `awscloudhsm://${address.region}/${address.clusterId}`;
  }
}
