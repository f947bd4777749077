// The token an hsm-config.yaml names, as the RFC 7512 URI the rest of the program opens, and
// how a key is addressed once a config is given: a full pkcs11: URI wins as it is; a bare label
// (`root-2026`) means that key on the config's token.
import { ErrorCode, OlocusError } from '../../shared/errors';
import type { Pkcs11Uri } from '../hsm/uri';
import { PROVIDER_PROFILES } from './providers';
import type { HsmConfig } from './schema';

/** module_path, token_label, slot_id, token_serial, init_args and the user PIN source as a URI. */
export function tokenUriFromConfig(config: HsmConfig): Pkcs11Uri | undefined {
  const { provider, pkcs11, auth } = config.hsm;
  if (!PROVIDER_PROFILES[provider].pkcs11) return undefined;
  const uri: Pkcs11Uri = {};
  if (pkcs11?.module_path !== undefined) uri.modulePath = pkcs11.module_path;
  if (pkcs11?.token_label !== undefined) uri.token = pkcs11.token_label;
  if (pkcs11?.slot_id !== undefined) uri.slotId = String(pkcs11.slot_id);
  if (pkcs11?.token_serial !== undefined) uri.serial = pkcs11.token_serial;
  if (pkcs11?.init_args !== undefined) uri.initArgs = pkcs11.init_args;
  // The schema refuses both at once; for a PKCS#11 provider the password is the user PIN.
  const pin =
    pkcs11?.pin_source ??
    (auth.password_env !== undefined ? `env:${auth.password_env}` : undefined);
  if (pin !== undefined) uri.pinSource = pin;
  return uri;
}

/** Whether `text` is an address with a scheme (pkcs11:, azurekv://, …) rather than a bare label. */
export function hasScheme(text: string): boolean {
  return /^[A-Za-z][A-Za-z0-9+.-]*:/.test(text);
}

const WAYS_OUT =
  'give a full pkcs11: URI, or --config FILE whose hsm.pkcs11 section names the token';

/**
 * The token URI for `text`: the text itself when it is an address, else (a bare key label, or
 * nothing at all) the config's token with object= set to the label.
 */
export function addressWithConfig(
  text: string | undefined,
  configUri: Pkcs11Uri | undefined,
  what: string,
): { uri: Pkcs11Uri | undefined; text: string | undefined } {
  if (text !== undefined && text !== '' && hasScheme(text)) return { uri: undefined, text };
  if (!configUri) {
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      text
        ? `The ${what} "${text}" names no token: ${WAYS_OUT}.`
        : `No ${what} given: ${WAYS_OUT}.`,
    );
  }
  return { uri: text ? { ...configUri, object: text } : { ...configUri }, text: undefined };
}
