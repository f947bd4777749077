// Turns what a PKCS#11 module said into an error a ceremony officer can act on.
import { ErrorCode, OlocusError } from '../../../shared/errors';
import { Pkcs11CallError } from './executor';

interface Rule {
  code: ErrorCode;
  say: (ctx: string) => string;
}

const RULES: Record<string, Rule> = {
  CKR_PIN_INCORRECT: {
    code: ErrorCode.AUTHENTICATION_FAILED,
    say: (t) =>
      `The PIN was not accepted by ${t}. Check the PIN source; each wrong attempt counts towards locking the PIN.`,
  },
  CKR_PIN_LOCKED: {
    code: ErrorCode.AUTHENTICATION_FAILED,
    say: (t) =>
      `The PIN of ${t} is locked after too many wrong attempts; the Security Officer must unlock or reset it.`,
  },
  CKR_PIN_EXPIRED: {
    code: ErrorCode.AUTHENTICATION_FAILED,
    say: (t) => `The PIN of ${t} has expired and must be changed first.`,
  },
  CKR_PIN_LEN_RANGE: {
    code: ErrorCode.AUTHENTICATION_FAILED,
    say: (t) => `The PIN is too short or too long for ${t}.`,
  },
  CKR_PIN_INVALID: {
    code: ErrorCode.AUTHENTICATION_FAILED,
    say: (t) => `The PIN contains characters ${t} does not accept.`,
  },
  CKR_USER_PIN_NOT_INITIALIZED: {
    code: ErrorCode.AUTHENTICATION_FAILED,
    say: (t) =>
      `${t} has no user PIN yet; initialise the token (Security Officer) before logging in.`,
  },
  CKR_USER_NOT_LOGGED_IN: {
    code: ErrorCode.AUTHENTICATION_FAILED,
    say: (t) => `Nobody is logged in to ${t}; log in with the user PIN first.`,
  },
  CKR_USER_TYPE_INVALID: {
    code: ErrorCode.AUTHENTICATION_FAILED,
    say: (t) => `${t} does not know that kind of user.`,
  },
  CKR_USER_ANOTHER_ALREADY_LOGGED_IN: {
    code: ErrorCode.AUTHENTICATION_FAILED,
    say: (t) =>
      `Another user (Security Officer or user) is already logged in to ${t}; log out first.`,
  },
  CKR_TOKEN_NOT_PRESENT: {
    code: ErrorCode.TOKEN_NOT_FOUND,
    say: (t) => `${t} is not present: it was removed or disconnected.`,
  },
  CKR_DEVICE_REMOVED: {
    code: ErrorCode.TOKEN_NOT_FOUND,
    say: (t) => `${t} was removed during the operation; reconnect it and repeat the step.`,
  },
  CKR_SLOT_ID_INVALID: {
    code: ErrorCode.TOKEN_NOT_FOUND,
    say: (t) => `The slot of ${t} no longer exists.`,
  },
  CKR_TOKEN_NOT_RECOGNIZED: {
    code: ErrorCode.TOKEN_NOT_FOUND,
    say: (t) => `The module does not recognise ${t}.`,
  },
  CKR_MECHANISM_INVALID: {
    code: ErrorCode.MECHANISM_UNSUPPORTED,
    say: (t) => `${t} does not support the mechanism this operation needs.`,
  },
  CKR_MECHANISM_PARAM_INVALID: {
    code: ErrorCode.MECHANISM_UNSUPPORTED,
    say: (t) =>
      `${t} rejected the mechanism's parameters (for example an OAEP hash it does not implement).`,
  },
  CKR_SESSION_HANDLE_INVALID: {
    code: ErrorCode.SESSION_UNAVAILABLE,
    say: (t) => `The session with ${t} was lost; the operation did not complete.`,
  },
  CKR_SESSION_CLOSED: {
    code: ErrorCode.SESSION_UNAVAILABLE,
    say: (t) => `The session with ${t} was closed during the operation.`,
  },
  CKR_SESSION_COUNT: {
    code: ErrorCode.SESSION_UNAVAILABLE,
    say: (t) =>
      `${t} has no more sessions to give; lower pool.max_sessions or close other clients.`,
  },
  CKR_KEY_HANDLE_INVALID: {
    code: ErrorCode.KEY_NOT_FOUND,
    say: (t) => `The key is no longer on ${t}.`,
  },
  CKR_OBJECT_HANDLE_INVALID: {
    code: ErrorCode.KEY_NOT_FOUND,
    say: (t) => `The object is no longer on ${t}.`,
  },
  CKR_KEY_UNEXTRACTABLE: {
    code: ErrorCode.POLICY_VIOLATION,
    say: (t) => `The key on ${t} is not extractable, so it cannot be wrapped or exported.`,
  },
  CKR_KEY_NOT_WRAPPABLE: {
    code: ErrorCode.POLICY_VIOLATION,
    say: (t) => `${t} will not wrap this key.`,
  },
  CKR_KEY_FUNCTION_NOT_PERMITTED: {
    code: ErrorCode.POLICY_VIOLATION,
    say: (t) =>
      `The key's attributes on ${t} do not permit this operation (for example signing with an encryption-only key).`,
  },
  CKR_KEY_TYPE_INCONSISTENT: {
    code: ErrorCode.POLICY_VIOLATION,
    // NSS softoken also answers this when the key's usage flag (CKA_SIGN, CKA_DECRYPT…) is off,
    // where SoftHSM says CKR_KEY_FUNCTION_NOT_PERMITTED: a disabled key version meets it there.
    say: (t) =>
      `The key on ${t} cannot be used this way: its type does not fit the mechanism, or its usage flag for the operation (CKA_SIGN, CKA_DECRYPT…) is off.`,
  },
  CKR_TEMPLATE_INCONSISTENT: {
    code: ErrorCode.OPERATION_FAILED,
    say: (t) => `${t} refused the key's attributes as inconsistent.`,
  },
  CKR_TEMPLATE_INCOMPLETE: {
    code: ErrorCode.OPERATION_FAILED,
    say: (t) => `${t} needs attributes the request did not give.`,
  },
  CKR_ATTRIBUTE_VALUE_INVALID: {
    code: ErrorCode.OPERATION_FAILED,
    say: (t) => `${t} refused one of the key's attribute values.`,
  },
  CKR_DOMAIN_PARAMS_INVALID: {
    code: ErrorCode.MECHANISM_UNSUPPORTED,
    say: (t) => `${t} does not support this curve or key size.`,
  },
  CKR_CURVE_NOT_SUPPORTED: {
    code: ErrorCode.MECHANISM_UNSUPPORTED,
    say: (t) => `${t} does not support this curve.`,
  },
  CKR_KEY_SIZE_RANGE: {
    code: ErrorCode.MECHANISM_UNSUPPORTED,
    say: (t) => `${t} does not support this key size.`,
  },
  CKR_WRAPPED_KEY_INVALID: {
    code: ErrorCode.OPERATION_FAILED,
    say: (t) => `${t} could not unwrap the blob: wrong key, wrong mechanism or a damaged blob.`,
  },
  CKR_ENCRYPTED_DATA_INVALID: {
    code: ErrorCode.OPERATION_FAILED,
    say: (t) => `${t} could not decrypt the data: wrong key or damaged ciphertext.`,
  },
  CKR_DATA_LEN_RANGE: {
    code: ErrorCode.INVALID_INPUT,
    say: (t) => `The data is too long or too short for this key on ${t}.`,
  },
  CKR_TOKEN_WRITE_PROTECTED: {
    code: ErrorCode.POLICY_VIOLATION,
    say: (t) => `${t} is write-protected.`,
  },
  CKR_DEVICE_MEMORY: {
    code: ErrorCode.OPERATION_FAILED,
    say: (t) => `${t} is out of memory or storage.`,
  },
  // How a network HSM's client reports a dropped link (and a local device its failure): the
  // connection to the HSM failed, so an operation safe to repeat is retried (retry_attempts).
  CKR_DEVICE_ERROR: {
    code: ErrorCode.CONNECTION_FAILED,
    say: (t) =>
      `${t} reported a device error (the link to the HSM dropped or the HSM failed); check the HSM before going on.`,
  },
  CKR_FUNCTION_FAILED: {
    code: ErrorCode.OPERATION_FAILED,
    say: (t) => `${t} could not complete the operation.`,
  },
  CKR_GENERAL_ERROR: {
    code: ErrorCode.OPERATION_FAILED,
    say: (t) => `${t} reported an unrecoverable error.`,
  },
  CKR_CRYPTOKI_NOT_INITIALIZED: {
    code: ErrorCode.CONNECTION_FAILED,
    say: (t) => `The PKCS#11 library for ${t} is not initialised.`,
  },
};

/** Maps an error from a PKCS#11 call to an OlocusError; `target` names the token or module. */
export function mapPkcs11Error(e: unknown, target: string, doing: string): OlocusError {
  if (e instanceof OlocusError) return e;
  if (e instanceof Pkcs11CallError && e.ckr) {
    const rule = RULES[e.ckr];
    if (rule)
      return new OlocusError(rule.code, `${capitalise(rule.say(target))} (while ${doing})`, {
        ckr: e.ckr,
        cause: e,
      });
    return new OlocusError(
      ErrorCode.OPERATION_FAILED,
      `${capitalise(target)} failed while ${doing}.`,
      { ckr: e.ckr, cause: e },
    );
  }
  const message = e instanceof Error ? e.message : String(e);
  return new OlocusError(
    ErrorCode.OPERATION_FAILED,
    `${capitalise(target)} failed while ${doing}: ${message}`,
    { cause: e },
  );
}

/** Errors from loading the module file itself (dlopen, C_GetFunctionList, C_Initialize). */
export function mapLoadError(e: unknown, modulePath: string): OlocusError {
  const message = e instanceof Error ? e.message : String(e);
  const ckr = e instanceof Pkcs11CallError ? e.ckr : undefined;
  if (/cannot open shared object|No such file|not found|ENOENT/i.test(message)) {
    return new OlocusError(
      ErrorCode.CONNECTION_FAILED,
      `The PKCS#11 module ${modulePath} could not be found. Install the HSM vendor's client (for SoftHSM, the softhsm2 package) or correct module-path.`,
      { cause: e },
    );
  }
  if (ckr === 'CKR_ARGUMENTS_BAD' || ckr === 'CKR_FUNCTION_FAILED' || ckr === 'CKR_GENERAL_ERROR') {
    return new OlocusError(
      ErrorCode.CONNECTION_FAILED,
      `The PKCS#11 module ${modulePath} refused to initialise; it may need initialisation arguments (x-init-args) or its own configuration file.`,
      { ckr, cause: e },
    );
  }
  return new OlocusError(
    ErrorCode.CONNECTION_FAILED,
    `The PKCS#11 module ${modulePath} could not be loaded: ${message}`,
    {
      ...(ckr ? { ckr } : {}),
      cause: e,
    },
  );
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
