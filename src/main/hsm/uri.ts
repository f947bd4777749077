// RFC 7512 PKCS#11 URIs (the cloud KMS addresses are in key-address.ts).
// Parsing is strict about syntax because a mistyped attribute that slipped through would widen
// which token or key a ceremony step touches. Error messages never repeat attribute values, since
// a URI may carry a pin-value.

import { ErrorCode, OlocusError } from '../../shared/errors';

export type Pkcs11ObjectType = 'public' | 'private' | 'cert' | 'secret-key' | 'data';

/**
 * A parsed PKCS#11 URI. Values are percent-decoded; an absent attribute is undefined, while an
 * attribute given empty (`serial=`) is the empty string, which RFC 7512 treats differently.
 */
export interface Pkcs11Uri {
  // Path component.
  token?: string;
  manufacturer?: string;
  serial?: string;
  model?: string;
  libraryManufacturer?: string;
  libraryDescription?: string;
  /** "MAJOR" or "MAJOR.MINOR", kept as text because 1.23 is minor version 23, not a fraction. */
  libraryVersion?: string;
  object?: string;
  type?: Pkcs11ObjectType;
  id?: Uint8Array;
  slotDescription?: string;
  slotManufacturer?: string;
  /** Decimal CK_SLOT_ID; a string because a CK_ULONG can exceed Number.MAX_SAFE_INTEGER. */
  slotId?: string;
  /**
   * Path attributes RFC 7512 does not define. RFC 7512 §2.4 says a path attribute the consumer
   * does not understand must match nothing, so callers must not ignore a non-empty map.
   */
  pathVendor?: ReadonlyMap<string, string>;

  // Query component.
  pinSource?: string;
  /** Parsed because RFC 7512 allows it, but formatPkcs11Uri never prints it. */
  pinValue?: string;
  moduleName?: string;
  modulePath?: string;
  /** `x-init-args`: the string passed as pReserved to C_Initialize. */
  initArgs?: string;
  queryVendor?: ReadonlyMap<string, string>;
}

export type PinSource = { kind: 'file'; path: string } | { kind: 'env'; name: string };

type Component = 'path' | 'query';
type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type Pkcs11Key = Exclude<keyof Pkcs11Uri, 'pathVendor' | 'queryVendor'>;

interface AttrSpec {
  name: string;
  key: Pkcs11Key;
  component: Component;
}

// Canonical printing order: the path attributes in the order of the RFC 7512 §2.3 grammar,
// then the query attributes.
const ATTRS: readonly AttrSpec[] = [
  { name: 'token', key: 'token', component: 'path' },
  { name: 'manufacturer', key: 'manufacturer', component: 'path' },
  { name: 'serial', key: 'serial', component: 'path' },
  { name: 'model', key: 'model', component: 'path' },
  { name: 'library-manufacturer', key: 'libraryManufacturer', component: 'path' },
  { name: 'library-version', key: 'libraryVersion', component: 'path' },
  { name: 'library-description', key: 'libraryDescription', component: 'path' },
  { name: 'object', key: 'object', component: 'path' },
  { name: 'type', key: 'type', component: 'path' },
  { name: 'id', key: 'id', component: 'path' },
  { name: 'slot-description', key: 'slotDescription', component: 'path' },
  { name: 'slot-manufacturer', key: 'slotManufacturer', component: 'path' },
  { name: 'slot-id', key: 'slotId', component: 'path' },
  { name: 'pin-source', key: 'pinSource', component: 'query' },
  { name: 'pin-value', key: 'pinValue', component: 'query' },
  { name: 'module-name', key: 'moduleName', component: 'query' },
  { name: 'module-path', key: 'modulePath', component: 'query' },
  { name: 'x-init-args', key: 'initArgs', component: 'query' },
];
const BY_NAME = new Map(ATTRS.map((spec) => [spec.name, spec]));

const OBJECT_TYPES: readonly string[] = [
  'public',
  'private',
  'cert',
  'secret-key',
  'data',
] satisfies Pkcs11ObjectType[];

// RFC 7512 §2.3: unreserved plus pk11-path-res-avail / pk11-query-res-avail may stay unencoded;
// everything else is percent-encoded.
const UNRESERVED = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~';
const RES_AVAIL = ":[]@!$'()*+,=";
const RAW_CHARS: Record<Component, ReadonlySet<string>> = {
  path: new Set(UNRESERVED + RES_AVAIL + '&'),
  query: new Set(UNRESERVED + RES_AVAIL + '/?|'),
};
const VENDOR_NAME = /^[A-Za-z0-9_-]+$/;
const SEPARATOR: Record<Component, string> = { path: ';', query: '&' };
const MAX_CK_ULONG = 2n ** 64n - 1n;

// fatal: PKCS#11 labels are UTF-8, so invalid bytes are an error rather than U+FFFD.
// ignoreBOM: a leading U+FEFF is part of the label, not an encoding marker.
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8Encoder = new TextEncoder();

function invalid(message: string): OlocusError {
  return new OlocusError(ErrorCode.INVALID_INPUT, message);
}

/**
 * Longer than any real URI (a module path, init args and a dozen labels fit in well under 1 KiB);
 * the cap keeps a pasted or hostile string from costing time or filling error messages.
 */
export const MAX_PKCS11_URI_LENGTH = 4096;
const MAX_NAME_IN_MESSAGE = 40;

/** An attribute name as messages show it: never more than a line's worth. */
function shownName(name: string): string {
  return name.length > MAX_NAME_IN_MESSAGE ? `${name.slice(0, MAX_NAME_IN_MESSAGE)}…` : name;
}

/** Parses an RFC 7512 PKCS#11 URI such as `pkcs11:token=demo;object=root?module-path=/lib.so`. */
export function parsePkcs11Uri(text: string): Pkcs11Uri {
  if (text.length > MAX_PKCS11_URI_LENGTH) {
    throw invalid(
      `The PKCS#11 URI is ${text.length} characters long, more than the ${MAX_PKCS11_URI_LENGTH} any token address needs; it was not read.`,
    );
  }
  if (!/^pkcs11:/i.test(text)) {
    throw invalid('A PKCS#11 URI must start with "pkcs11:".');
  }
  const rest = text.slice('pkcs11:'.length);
  const q = rest.indexOf('?');
  const path = q < 0 ? rest : rest.slice(0, q);
  const query = q < 0 ? '' : rest.slice(q + 1);

  const uri: Mutable<Pkcs11Uri> = {};
  readComponent(uri, 'path', path);
  readComponent(uri, 'query', query);
  if (uri.pinSource !== undefined && uri.pinValue !== undefined) {
    throw invalid('A PKCS#11 URI may give pin-source or pin-value, not both.');
  }
  return uri;
}

function readComponent(uri: Mutable<Pkcs11Uri>, component: Component, text: string): void {
  if (text === '') return;
  const seen = new Set<string>();
  const vendor = new Map<string, string>();
  const sep = SEPARATOR[component];
  for (const [index, attr] of text.split(sep).entries()) {
    const eq = attr.indexOf('=');
    if (eq < 0) {
      // The text may be a mistyped secret, so the message points at a position, not the text.
      throw invalid(
        attr === ''
          ? `The PKCS#11 URI ${component} has an empty attribute (a doubled or trailing "${sep}").`
          : `Attribute ${index + 1} of the PKCS#11 URI ${component} has no "=" after its name.`,
      );
    }
    const name = attr.slice(0, eq);
    if (!VENDOR_NAME.test(name)) {
      throw invalid(
        `The PKCS#11 URI attribute name "${shownName(name)}" may contain only letters, digits, "-" and "_".`,
      );
    }
    if (seen.has(name)) {
      throw invalid(`The PKCS#11 URI attribute ${shownName(name)} is given more than once.`);
    }
    seen.add(name);
    const spec = BY_NAME.get(name);
    if (spec !== undefined && spec.component !== component) {
      throw invalid(
        `The PKCS#11 URI attribute ${shownName(name)} belongs in the ${spec.component}` +
          (spec.component === 'query' ? ' (after "?").' : ' (before "?").'),
      );
    }
    if (spec === undefined && BY_NAME.has(name.toLowerCase())) {
      throw invalid(
        `The PKCS#11 URI attribute ${shownName(name)} must be written in lower case as ${name.toLowerCase()}.`,
      );
    }
    const bytes = percentDecode(attr.slice(eq + 1), name, component);
    if (spec === undefined) vendor.set(name, decodeUtf8(bytes, name));
    else assign(uri, spec, bytes);
  }
  if (vendor.size > 0) uri[component === 'path' ? 'pathVendor' : 'queryVendor'] = vendor;
}

function assign(uri: Mutable<Pkcs11Uri>, spec: AttrSpec, bytes: Uint8Array): void {
  if (spec.key === 'id') {
    uri.id = bytes;
    return;
  }
  const value = decodeUtf8(bytes, spec.name);
  switch (spec.key) {
    case 'type':
      if (!OBJECT_TYPES.includes(value)) {
        throw invalid(
          'The PKCS#11 URI attribute type must be public, private, cert, secret-key or data.',
        );
      }
      uri.type = value as Pkcs11ObjectType;
      return;
    case 'slotId':
      if (!/^[0-9]+$/.test(value) || BigInt(value) > MAX_CK_ULONG) {
        throw invalid('The PKCS#11 URI attribute slot-id must be a decimal number.');
      }
      // Canonical decimal, so "007" and "7" name the same slot.
      uri.slotId = BigInt(value).toString();
      return;
    case 'libraryVersion':
      if (!/^[0-9]+(\.[0-9]+)?$/.test(value)) {
        throw invalid(
          'The PKCS#11 URI attribute library-version must be MAJOR or MAJOR.MINOR in digits.',
        );
      }
      uri.libraryVersion = value;
      return;
    default:
      uri[spec.key] = value;
  }
}

function percentDecode(raw: string, name: string, component: Component): Uint8Array {
  const bytes: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charAt(i);
    if (c === '%') {
      const hex = raw.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) {
        throw invalid(
          `The PKCS#11 URI attribute ${shownName(name)} has a "%" not followed by two hexadecimal digits.`,
        );
      }
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else if (RAW_CHARS[component].has(c)) {
      bytes.push(c.charCodeAt(0));
    } else {
      // Only the offending character is named; the value itself may be secret.
      const char = String.fromCodePoint(raw.codePointAt(i) ?? 0);
      throw invalid(
        `The PKCS#11 URI attribute ${shownName(name)} contains ${describeChar(char)}, which must be percent-encoded.`,
      );
    }
  }
  return Uint8Array.from(bytes);
}

function describeChar(c: string): string {
  const code = c.codePointAt(0) ?? 0;
  return code > 0x20 && code < 0x7f
    ? `"${c}"`
    : `the character U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

function decodeUtf8(bytes: Uint8Array, name: string): string {
  try {
    return utf8Decoder.decode(bytes);
  } catch {
    throw invalid(
      `The PKCS#11 URI attribute ${shownName(name)} is not valid UTF-8 once percent-decoded.`,
    );
  }
}

function percentEncode(bytes: Uint8Array, allowed: ReadonlySet<string> | null): string {
  let out = '';
  for (const b of bytes) {
    const c = String.fromCharCode(b);
    out += allowed?.has(c) ? c : '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/**
 * Prints a PKCS#11 URI in canonical form: attributes in RFC 7512 grammar order, vendor attributes
 * sorted by name, only what must be percent-encoded encoded, and `id` always as %XX bytes.
 * `pin-value` is never printed: URIs end up in logs, transcripts and screenshots.
 */
export function formatPkcs11Uri(uri: Pkcs11Uri): string {
  const parts: Record<Component, string[]> = { path: [], query: [] };
  for (const spec of ATTRS) {
    const value = uri[spec.key];
    if (value === undefined || spec.key === 'pinValue') continue;
    const encoded =
      value instanceof Uint8Array
        ? percentEncode(value, null)
        : percentEncode(utf8Encoder.encode(value), RAW_CHARS[spec.component]);
    parts[spec.component].push(`${spec.name}=${encoded}`);
  }
  for (const [component, vendor] of [
    ['path', uri.pathVendor],
    ['query', uri.queryVendor],
  ] as const) {
    const names = [...(vendor?.keys() ?? [])].sort();
    for (const name of names) {
      if (!VENDOR_NAME.test(name) || BY_NAME.has(name.toLowerCase())) {
        throw invalid(`"${name}" cannot be printed as a vendor attribute of a PKCS#11 URI.`);
      }
      const value = utf8Encoder.encode(vendor?.get(name) ?? '');
      parts[component].push(`${name}=${percentEncode(value, RAW_CHARS[component])}`);
    }
  }
  const query = parts.query.length > 0 ? '?' + parts.query.join('&') : '';
  const text = 'pkcs11:' + parts.path.join(';') + query;
  // A hand-built value such as slotId "abc" must fail here, not in whoever reads the URI later.
  parsePkcs11Uri(text);
  return text;
}

/** Reads a pin-source value. PINs come from a file or the environment, never from argv. */
export function parsePinSource(value: string): PinSource {
  if (value.startsWith('env:')) {
    const name = value.slice('env:'.length);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw invalid('The pin-source env: must name an environment variable, as in env:HSM_PIN.');
    }
    return { kind: 'env', name };
  }
  if (value.startsWith('file:')) {
    let path = value.slice('file:'.length);
    if (path.startsWith('//')) {
      // RFC 8089 form: only an empty authority or localhost denotes a local file.
      const slash = path.indexOf('/', 2);
      const host = slash < 0 ? path.slice(2) : path.slice(2, slash);
      if (slash < 0 || (host !== '' && host.toLowerCase() !== 'localhost')) {
        throw invalid('The pin-source file: URI must name a local file, as in file:///run/pin.');
      }
      path = path.slice(slash);
    }
    if (path === '') {
      throw invalid('The pin-source file: must be followed by a path, as in file:/run/pin.');
    }
    return { kind: 'file', path };
  }
  throw invalid('PINs are only taken from a pin-source of file:PATH or env:NAME, never from argv.');
}
