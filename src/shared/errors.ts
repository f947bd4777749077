// Error codes of the olocus-hsm design (100–109). 100–102 are the seed's; 103–109 are ours and
// documented in README.md. Every error carries a sentence a ceremony officer can act on and,
// when the HSM said something, the PKCS#11 CKR name it said.

export const ErrorCode = {
  CONNECTION_FAILED: 100,
  KEY_NOT_FOUND: 101,
  AUTHENTICATION_FAILED: 102,
  TOKEN_NOT_FOUND: 103,
  MECHANISM_UNSUPPORTED: 104,
  SESSION_UNAVAILABLE: 105,
  POLICY_VIOLATION: 106,
  OPERATION_FAILED: 107,
  INVALID_INPUT: 108,
  TIMEOUT: 109,
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export const ErrorCodeName: Record<ErrorCode, string> = {
  100: 'connection failed',
  101: 'key not found',
  102: 'authentication failed',
  103: 'token not found',
  104: 'mechanism not supported',
  105: 'session unavailable',
  106: 'refused by policy',
  107: 'operation failed',
  108: 'invalid input',
  109: 'timed out',
};

export interface OlocusErrorData {
  code: ErrorCode;
  message: string;
  ckr?: string;
}

export class OlocusError extends Error {
  readonly code: ErrorCode;
  readonly ckr: string | undefined;

  constructor(code: ErrorCode, message: string, options?: { ckr?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'OlocusError';
    this.code = code;
    this.ckr = options?.ckr;
  }

  /** "HSM error 102 (authentication failed, CKR_PIN_INCORRECT): The PIN is wrong…" */
  describe(): string {
    const tags = [ErrorCodeName[this.code], this.ckr].filter(Boolean).join(', ');
    return `HSM error ${this.code} (${tags}): ${this.message}`;
  }

  toJSON(): OlocusErrorData {
    return { code: this.code, message: this.message, ...(this.ckr ? { ckr: this.ckr } : {}) };
  }
}

export function isOlocusError(e: unknown): e is OlocusError {
  return e instanceof OlocusError;
}
