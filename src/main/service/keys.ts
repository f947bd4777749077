// The facade's key operations on PKCS#11 tokens: which tokens there are, the keys on one, a new
// key, sign and verify. A `group:NAME/LABEL` address goes to the HSM group instead, and a key
// family's `label@latest` / `label@vN` to the version the lifecycle picks for the use.
import { ErrorCode, OlocusError } from '../../shared/errors';
import { keySelectorFromUri, tokenMatchFromUri } from '../hsm/open';
import type { OpenPkcs11Options } from '../hsm/open';
import { KEY_TYPES } from '../hsm/types';
import type { KeyInfo, KeyType, SignAlgorithm } from '../hsm/types';
import { formatPkcs11Uri, parsePkcs11Uri } from '../hsm/uri';
import type { Pkcs11Uri } from '../hsm/uri';
import { parsePkcs11Address } from './connections';
import type { Connections } from './connections';
import { discoverTokens } from './discovery';
import { GROUP_ADDRESS } from './groups';
import type { Groups } from './groups';
import type { LifecycleOperations } from './lifecycle';
import type { GeneratedKey, KeysResult, SignOutput, TokensResult, VerifyOutput } from './types';

const invalid = (message: string) => new OlocusError(ErrorCode.INVALID_INPUT, message);

/** A key's own URI (token, object, type, id) plus the module, token match and pin-source asked with. */
export function usableKeyUri(keyUri: string, asked: Pkcs11Uri): string {
  const key = parsePkcs11Uri(keyUri);
  return formatPkcs11Uri({
    ...tokenMatchFromUri(asked),
    ...key,
    ...(asked.modulePath !== undefined ? { modulePath: asked.modulePath } : {}),
    ...(asked.moduleName !== undefined ? { moduleName: asked.moduleName } : {}),
    ...(asked.initArgs !== undefined ? { initArgs: asked.initArgs } : {}),
    ...(asked.pinSource !== undefined ? { pinSource: asked.pinSource } : {}),
  });
}

function isKeyType(t: string): t is KeyType {
  return (KEY_TYPES as readonly string[]).includes(t);
}

export class KeyOperations {
  constructor(
    private readonly connections: Connections,
    private readonly options: Omit<OpenPkcs11Options, 'login'>,
    /** `text` as a URI string: itself when it has a scheme, else the config's token (object=text). */
    private readonly resolve: (text: string | undefined, what: string) => string,
    /** Whether the config in force names a token (the one meant when no URI is given). */
    private readonly configHasToken: () => boolean,
    private readonly groups: Groups,
    private readonly lifecycle: LifecycleOperations,
  ) {}

  tokens(hsmUri: string | undefined, opts: { mechanisms?: boolean } = {}): Promise<TokensResult> {
    const uri =
      hsmUri ?? (this.configHasToken() ? this.resolve(undefined, 'token URI') : 'pkcs11:');
    return discoverTokens(uri, this.options, opts.mechanisms ?? false);
  }

  async listKeys(hsmUri?: string): Promise<KeysResult> {
    const uri = parsePkcs11Address(this.resolve(hsmUri, 'token URI'));
    const { provider, loggedIn } = await this.connections.get(uri, 'auto');
    const t = await provider.tokenInfo();
    const keys = await provider.listKeys(keySelectorFromUri(uri));
    return {
      token: {
        label: t.label,
        serial: t.serial,
        manufacturer: t.manufacturer,
        model: t.model,
        slotId: t.slotId,
      },
      loggedIn,
      keys: keys.map((k) => ({ ...k, uri: usableKeyUri(k.uri, uri) })),
    };
  }

  async generateKey(
    hsmUri: string | undefined,
    type: string,
    label: string,
    opts: { extractable?: boolean; usage?: string[] } = {},
  ): Promise<GeneratedKey> {
    const uri = parsePkcs11Address(this.resolve(hsmUri, 'token URI'));
    if (!isKeyType(type)) {
      throw invalid(`Unknown key type "${type}"; choose one of ${KEY_TYPES.join(', ')}.`);
    }
    if (label === '') throw invalid('A new key needs a label.');
    if (uri.object !== undefined || uri.id !== undefined || uri.type !== undefined) {
      throw invalid(
        'The URI for a new key must name only the token (no object=, id= or type=); the label is given separately.',
      );
    }
    const usage = opts.usage?.map((u) => {
      if (u !== 'sign' && u !== 'encrypt' && u !== 'wrap')
        throw invalid(`Unknown key usage "${u}"; choose from sign, encrypt, wrap.`);
      return u;
    });
    const { provider } = await this.connections.get(uri, 'always');
    const key: KeyInfo = await provider.generateKey(type, {
      label,
      extractable: opts.extractable ?? false,
      ...(usage ? { usage } : {}),
    });
    const withUri = { ...key, uri: usableKeyUri(key.uri, uri) };
    return {
      key: withUri,
      uri: withUri.uri,
      fingerprint: key.spkiSha256
        ? { kind: 'spki-sha256', value: key.spkiSha256 }
        : key.kcv
          ? { kind: 'kcv', value: key.kcv }
          : null,
    };
  }

  async sign(keyUri: string, data: Uint8Array, algorithm?: SignAlgorithm): Promise<SignOutput> {
    if (GROUP_ADDRESS.test(keyUri)) return this.groups.sign(keyUri, data, algorithm);
    const uri = await this.lifecycle.resolveAddress(
      parsePkcs11Address(this.resolve(keyUri, 'key')),
      'sign',
    );
    const sel = keySelectorFromUri(uri);
    if (sel.class === 'secret' || sel.class === 'public') {
      throw invalid(`Signing needs a private key, and the URI names a ${sel.class} key.`);
    }
    const { provider } = await this.connections.get(uri, 'always');
    const r = await provider.sign({ ...sel, class: 'private' }, data, algorithm);
    return {
      signature: Buffer.from(r.signature).toString('base64'),
      algorithm: r.algorithm,
      mechanism: r.mechanism,
      hashedInSoftware: r.hashedInSoftware,
    };
  }

  async verify(
    keyUri: string,
    data: Uint8Array,
    signature: Uint8Array,
    algorithm?: SignAlgorithm,
  ): Promise<VerifyOutput> {
    if (GROUP_ADDRESS.test(keyUri)) return this.groups.verify(keyUri, data, signature, algorithm);
    const uri = await this.lifecycle.resolveAddress(
      parsePkcs11Address(this.resolve(keyUri, 'key')),
      'verify',
    );
    const sel = keySelectorFromUri(uri);
    if (sel.class === 'secret') {
      throw invalid('Verifying needs a public or private key, and the URI names a secret key.');
    }
    const { provider } = await this.connections.get(uri, 'auto');
    return { valid: await provider.verify(sel, data, signature, algorithm) };
  }
}
