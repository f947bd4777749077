// The ledger is published to auditors and embedded in the report, so nothing secret may reach
// it. Callers are trusted to pass the right data; this guard catches the wrong field slipping in
// (a PIN in an options object spread into `data`) by its name, before a byte is written.
import { ErrorCode, OlocusError } from '../../shared/errors';

/** Any word of the name. */
const SECRET_WORDS = new Set([
  'secret',
  'secrets',
  'password',
  'passwords',
  'passwd',
  'passphrase',
  'passphrases',
  'pwd',
]);
/** The last word of the name: "user_pin", "custodianShare", but not "pin_source", "share_count". */
const SECRET_LAST_WORDS = new Set(['pin', 'pins', 'puk', 'share', 'shares', 'seed', 'mnemonic']);
/** Runs of words: "key_material", "wrappedKeyMaterial", "raw_key". */
const SECRET_PHRASES = [
  ['key', 'material'],
  ['raw', 'key'],
  ['plaintext', 'key'],
];

const MAX_DEPTH = 16;
// RFC 8785 works on I-JSON, which forbids lone surrogates: other JCS libraries would reject them.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

/** Why a field name looks secret, or null. Exported for the tests and for UI pre-checks. */
export function secretFieldReason(name: string): string | null {
  const w = words(name);
  const hit = w.find((x) => SECRET_WORDS.has(x));
  if (hit) return `its name contains "${hit}"`;
  const last = w[w.length - 1];
  if (last && SECRET_LAST_WORDS.has(last)) return `its name ends in "${last}"`;
  const priv = w.find((x) => x.startsWith('private'));
  if (priv) return `its name contains "${priv}"`;
  for (const phrase of SECRET_PHRASES) {
    for (let i = 0; i + phrase.length <= w.length; i++) {
      if (phrase.every((p, j) => w[i + j] === p)) return `its name contains "${phrase.join('_')}"`;
    }
  }
  return null;
}

function refuse(path: string, why: string): never {
  throw new OlocusError(
    ErrorCode.POLICY_VIOLATION,
    `Refusing to write ${path} to the audit ledger: ${why}, and secrets (PINs, passphrases, shares, key material, private keys) must never be recorded.`,
  );
}

function invalid(path: string, why: string): never {
  throw new OlocusError(
    ErrorCode.INVALID_INPUT,
    `Cannot write ${path} to the audit ledger: ${why}; ledger data must be plain JSON.`,
  );
}

function check(value: unknown, path: string, depth: number): void {
  if (depth > MAX_DEPTH) invalid(path, `it nests deeper than ${MAX_DEPTH} levels`);
  if (typeof value === 'string') {
    if (LONE_SURROGATE.test(value))
      invalid(path, 'it holds a lone UTF-16 surrogate, which is not Unicode text');
    return;
  }
  if (value === null || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) invalid(path, `${value} is not a finite number`);
    return;
  }
  if (typeof value !== 'object') invalid(path, `a ${typeof value} has no JSON form`);
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) {
    // Raw bytes in an event are how key material leaks: make the caller encode on purpose.
    refuse(path, 'it holds raw bytes (encode public values as hex or base64 explicitly)');
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => check(item, `${path}[${i}]`, depth + 1));
    return;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) {
    invalid(path, 'it is not a plain object (Dates, Maps and class instances are not JSON)');
  }
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    const here = /^[A-Za-z_$][\w$]*$/.test(key)
      ? `${path}.${key}`
      : `${path}[${JSON.stringify(key)}]`;
    if (LONE_SURROGATE.test(key)) invalid(here, 'its name holds a lone UTF-16 surrogate');
    const why = secretFieldReason(key);
    if (why) refuse(here, why);
    if (item === undefined) invalid(here, 'it is undefined');
    check(item, here, depth + 1);
  }
}

/** Throws unless `data` is a plain JSON object with no field named like a secret. */
export function assertAuditData(data: unknown): asserts data is Record<string, unknown> {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    invalid('data', 'it must be an object');
  }
  check(data, 'data', 0);
}
