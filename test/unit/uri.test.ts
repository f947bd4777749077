import { describe, expect, it } from 'vitest';
import { ErrorCode, OlocusError } from '../../src/shared/errors';
import { formatKeyAddress, parseKeyAddress } from '../../src/main/hsm/key-address';
import type { KeyAddress } from '../../src/main/hsm/key-address';
import { formatPkcs11Uri, parsePinSource, parsePkcs11Uri } from '../../src/main/hsm/uri';
import type { Pkcs11Uri } from '../../src/main/hsm/uri';

function expectInvalid(fn: () => unknown, message: RegExp): OlocusError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(OlocusError);
  const error = caught as OlocusError;
  expect(error.code).toBe(ErrorCode.INVALID_INPUT);
  expect(error.message).toMatch(message);
  return error;
}

const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);

// RFC 7512 §3, each example joined from the RFC's folded lines: the URI, what it means, and how
// formatPkcs11Uri prints it (canonical order, upper-case hex, never pin-value).
const RFC_EXAMPLES: [string, Pkcs11Uri, string][] = [
  ['pkcs11:', {}, 'pkcs11:'],
  [
    'pkcs11:object=my-pubkey;type=public',
    { object: 'my-pubkey', type: 'public' },
    'pkcs11:object=my-pubkey;type=public',
  ],
  [
    'pkcs11:object=my-key;type=private?pin-source=file:/etc/token',
    { object: 'my-key', type: 'private', pinSource: 'file:/etc/token' },
    'pkcs11:object=my-key;type=private?pin-source=file:/etc/token',
  ],
  [
    'pkcs11:token=The%20Software%20PKCS%2311%20Softtoken;manufacturer=Snake%20Oil,%20Inc.;' +
      'model=1.0;object=my-certificate;type=cert;id=%69%95%3E%5C%F4%BD%EC%91;serial=' +
      '?pin-source=file:/etc/token_pin',
    {
      token: 'The Software PKCS#11 Softtoken',
      manufacturer: 'Snake Oil, Inc.',
      model: '1.0',
      object: 'my-certificate',
      type: 'cert',
      id: bytes(0x69, 0x95, 0x3e, 0x5c, 0xf4, 0xbd, 0xec, 0x91),
      serial: '',
      pinSource: 'file:/etc/token_pin',
    },
    'pkcs11:token=The%20Software%20PKCS%2311%20Softtoken;manufacturer=Snake%20Oil,%20Inc.;' +
      'serial=;model=1.0;object=my-certificate;type=cert;id=%69%95%3E%5C%F4%BD%EC%91' +
      '?pin-source=file:/etc/token_pin',
  ],
  [
    'pkcs11:object=my-sign-key;type=private?module-name=mypkcs11',
    { object: 'my-sign-key', type: 'private', moduleName: 'mypkcs11' },
    'pkcs11:object=my-sign-key;type=private?module-name=mypkcs11',
  ],
  [
    'pkcs11:object=my-sign-key;type=private?module-path=/mnt/libmypkcs11.so.1',
    { object: 'my-sign-key', type: 'private', modulePath: '/mnt/libmypkcs11.so.1' },
    'pkcs11:object=my-sign-key;type=private?module-path=/mnt/libmypkcs11.so.1',
  ],
  [
    'pkcs11:token=Software%20PKCS%2311%20softtoken;manufacturer=Snake%20Oil,%20Inc.' +
      '?pin-value=the-pin',
    { token: 'Software PKCS#11 softtoken', manufacturer: 'Snake Oil, Inc.', pinValue: 'the-pin' },
    'pkcs11:token=Software%20PKCS%2311%20softtoken;manufacturer=Snake%20Oil,%20Inc.',
  ],
  [
    'pkcs11:slot-description=Sun%20Metaslot',
    { slotDescription: 'Sun Metaslot' },
    'pkcs11:slot-description=Sun%20Metaslot',
  ],
  [
    'pkcs11:library-manufacturer=Snake%20Oil,%20Inc.;library-description=Soft%20Token%20Library;' +
      'library-version=1.23',
    {
      libraryManufacturer: 'Snake Oil, Inc.',
      libraryDescription: 'Soft Token Library',
      libraryVersion: '1.23',
    },
    'pkcs11:library-manufacturer=Snake%20Oil,%20Inc.;library-version=1.23;' +
      'library-description=Soft%20Token%20Library',
  ],
  [
    'pkcs11:token=My%20token%25%20created%20by%20Joe;library-version=3;' +
      'id=%01%02%03%Ba%dd%Ca%fe%04%05%06',
    {
      token: 'My token% created by Joe',
      libraryVersion: '3',
      id: bytes(1, 2, 3, 0xba, 0xdd, 0xca, 0xfe, 4, 5, 6),
    },
    'pkcs11:token=My%20token%25%20created%20by%20Joe;library-version=3;' +
      'id=%01%02%03%BA%DD%CA%FE%04%05%06',
  ],
  [
    'pkcs11:token=A%20name%20with%20a%20substring%20%25%3B;object=my-certificate;type=cert',
    { token: 'A name with a substring %;', object: 'my-certificate', type: 'cert' },
    'pkcs11:token=A%20name%20with%20a%20substring%20%25%3B;object=my-certificate;type=cert',
  ],
  [
    'pkcs11:token=Name%20with%20a%20small%20A%20with%20acute:%20%C3%A1;object=my-certificate;' +
      'type=cert',
    { token: 'Name with a small A with acute: á', object: 'my-certificate', type: 'cert' },
    'pkcs11:token=Name%20with%20a%20small%20A%20with%20acute:%20%C3%A1;object=my-certificate;' +
      'type=cert',
  ],
  [
    'pkcs11:token=my-token;object=my-certificate;type=cert;vendor-aaa=value-a' +
      '?pin-source=file:/etc/token_pin&vendor-bbb=value-b',
    {
      token: 'my-token',
      object: 'my-certificate',
      type: 'cert',
      pathVendor: new Map([['vendor-aaa', 'value-a']]),
      pinSource: 'file:/etc/token_pin',
      queryVendor: new Map([['vendor-bbb', 'value-b']]),
    },
    'pkcs11:token=my-token;object=my-certificate;type=cert;vendor-aaa=value-a' +
      '?pin-source=file:/etc/token_pin&vendor-bbb=value-b',
  ],
];

describe('parsePkcs11Uri and formatPkcs11Uri on the RFC 7512 examples', () => {
  it.each(RFC_EXAMPLES)('parses %s', (text, expected) => {
    expect(parsePkcs11Uri(text)).toEqual(expected);
  });

  it.each(RFC_EXAMPLES)('prints %s canonically', (text, _expected, canonical) => {
    expect(formatPkcs11Uri(parsePkcs11Uri(text))).toBe(canonical);
  });

  it.each(RFC_EXAMPLES)('round-trips %s', (text) => {
    const { pinValue: _dropped, ...uri } = parsePkcs11Uri(text);
    expect(parsePkcs11Uri(formatPkcs11Uri(uri))).toEqual(uri);
  });

  it('only reorders attributes and changes hex case, never the length', () => {
    for (const [text, , canonical] of RFC_EXAMPLES) {
      if (!text.includes('pin-value')) expect(canonical).toHaveLength(text.length);
    }
  });

  it('parses the id-and-type variant of the "My token%" example', () => {
    const uri = parsePkcs11Uri(
      'pkcs11:token=My%20token%25%20created%20by%20Joe;library-version=3;' +
        'id=%69%95%3E%5C%F4%BD%EC%91;object=my-object;type=public',
    );
    expect(uri).toEqual({
      token: 'My token% created by Joe',
      libraryVersion: '3',
      id: bytes(0x69, 0x95, 0x3e, 0x5c, 0xf4, 0xbd, 0xec, 0x91),
      object: 'my-object',
      type: 'public',
    });
  });
});

describe('parsePkcs11Uri beyond the RFC examples', () => {
  it('reads the CLI.md example with module-path, pin-source and x-init-args', () => {
    const text =
      'pkcs11:token=demo;object=root-2026;type=private' +
      '?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:/run/pin' +
      '&x-init-args=configdir%3D%27sql%3A%2Fetc%2Fpki%2Fnssdb%27%20flags%3Dreadonly';
    const uri = parsePkcs11Uri(text);
    expect(uri).toEqual({
      token: 'demo',
      object: 'root-2026',
      type: 'private',
      modulePath: '/usr/lib/softhsm/libsofthsm2.so',
      pinSource: 'file:/run/pin',
      initArgs: "configdir='sql:/etc/pki/nssdb' flags=readonly",
    });
    expect(formatPkcs11Uri(uri)).toBe(
      'pkcs11:token=demo;object=root-2026;type=private' +
        '?pin-source=file:/run/pin&module-path=/usr/lib/softhsm/libsofthsm2.so' +
        "&x-init-args=configdir='sql:/etc/pki/nssdb'%20flags=readonly",
    );
  });

  it('keeps other x- attributes in the vendor maps', () => {
    expect(parsePkcs11Uri('pkcs11:x-label=a%20b?x-max-sessions=4')).toEqual({
      pathVendor: new Map([['x-label', 'a b']]),
      queryVendor: new Map([['x-max-sessions', '4']]),
    });
  });

  it('reads slot-id and slot-manufacturer, and writes slot-id in canonical decimal', () => {
    const uri = parsePkcs11Uri('pkcs11:slot-manufacturer=SoftHSM%20project;slot-id=007');
    expect(uri).toEqual({ slotManufacturer: 'SoftHSM project', slotId: '7' });
    expect(parsePkcs11Uri('pkcs11:slot-id=18446744073709551615').slotId).toBe(
      '18446744073709551615',
    );
  });

  it('accepts every object type', () => {
    for (const type of ['public', 'private', 'cert', 'secret-key', 'data'] as const) {
      expect(parsePkcs11Uri(`pkcs11:type=${type}`).type).toBe(type);
    }
  });

  it('decodes unnecessarily encoded characters and mixed-case hex', () => {
    expect(parsePkcs11Uri('pkcs11:object=%3a%5B%5d%40%2C%26%3d%41').object).toBe(':[]@,&=A');
  });

  it('takes an id as raw bytes, even when they are not UTF-8, and an empty id as no bytes', () => {
    expect(parsePkcs11Uri('pkcs11:id=%FF%00ab').id).toEqual(bytes(0xff, 0, 0x61, 0x62));
    expect(parsePkcs11Uri('pkcs11:id=').id).toEqual(bytes());
  });

  it('accepts the reserved characters RFC 7512 leaves unencoded in each component', () => {
    expect(parsePkcs11Uri("pkcs11:token=:[]@!$'()*+,=&?x-a=:[]@!$'()*+,=/?|")).toEqual({
      token: ":[]@!$'()*+,=&",
      queryVendor: new Map([['x-a', ":[]@!$'()*+,=/?|"]]),
    });
  });

  it('accepts an empty query and the scheme in any case', () => {
    expect(parsePkcs11Uri('pkcs11:token=a?')).toEqual({ token: 'a' });
    expect(parsePkcs11Uri('PKCS11:token=a')).toEqual({ token: 'a' });
  });
});

describe('parsePkcs11Uri errors', () => {
  it('requires the pkcs11: scheme', () => {
    for (const text of ['', 'token=a', 'pkcs:token=a', 'pkcs11', ' pkcs11:token=a']) {
      expectInvalid(() => parsePkcs11Uri(text), /must start with "pkcs11:"/);
    }
  });

  it('refuses a standard attribute in the wrong component', () => {
    expectInvalid(
      () => parsePkcs11Uri('pkcs11:pin-source=file:/p'),
      /pin-source belongs in the query/,
    );
    expectInvalid(() => parsePkcs11Uri('pkcs11:?token=a'), /token belongs in the path/);
    expectInvalid(() => parsePkcs11Uri('pkcs11:x-init-args=a'), /x-init-args belongs in the query/);
  });

  it('refuses a standard attribute spelled in upper case rather than taking it as vendor', () => {
    expectInvalid(() => parsePkcs11Uri('pkcs11:Token=a'), /Token must be written .* as token/);
    expectInvalid(() => parsePkcs11Uri('pkcs11:?PIN-SOURCE=env:P'), /as pin-source/);
  });

  it('refuses malformed attribute names', () => {
    expectInvalid(() => parsePkcs11Uri('pkcs11:tok.en=a'), /name "tok\.en" may contain only/);
    expectInvalid(() => parsePkcs11Uri('pkcs11:=a'), /name "" may contain only/);
    expectInvalid(() => parsePkcs11Uri('pkcs11:?a b=c'), /name "a b" may contain only/);
  });

  it('refuses attributes without "=" and empty attributes', () => {
    expectInvalid(() => parsePkcs11Uri('pkcs11:token'), /Attribute 1 of the .* path has no "="/);
    expectInvalid(() => parsePkcs11Uri('pkcs11:?pin-source=env:A&1234'), /Attribute 2 .* query/);
    expectInvalid(() => parsePkcs11Uri('pkcs11:token=a;;object=b'), /empty attribute/);
    expectInvalid(() => parsePkcs11Uri('pkcs11:token=a;'), /empty attribute/);
    expectInvalid(() => parsePkcs11Uri('pkcs11:?pin-source=env:A&'), /empty attribute/);
  });

  it('refuses a repeated attribute, standard or vendor', () => {
    expectInvalid(() => parsePkcs11Uri('pkcs11:token=a;token=b'), /token is given more than once/);
    expectInvalid(
      () => parsePkcs11Uri('pkcs11:?module-path=/a&module-path=/b'),
      /module-path is given more than once/,
    );
    expectInvalid(() => parsePkcs11Uri('pkcs11:v=1;v=2'), /attribute v is given more than once/);
  });

  it('allows the same vendor name once in each component', () => {
    expect(parsePkcs11Uri('pkcs11:v=1?v=2')).toEqual({
      pathVendor: new Map([['v', '1']]),
      queryVendor: new Map([['v', '2']]),
    });
  });

  it('refuses bad percent-encoding', () => {
    for (const value of ['a%2', '%zz', '%', 'a%G0b']) {
      expectInvalid(
        () => parsePkcs11Uri(`pkcs11:object=${value}`),
        /object has a "%" not followed/,
      );
    }
    expectInvalid(() => parsePkcs11Uri('pkcs11:id=%1'), /id has a "%" not followed/);
  });

  it('refuses text that is not UTF-8 once decoded', () => {
    expectInvalid(() => parsePkcs11Uri('pkcs11:token=%FF%FE'), /token is not valid UTF-8/);
    expectInvalid(
      () => parsePkcs11Uri('pkcs11:?module-name=%C3'),
      /module-name is not valid UTF-8/,
    );
  });

  it('refuses characters that must be percent-encoded, naming only the character', () => {
    expectInvalid(
      () => parsePkcs11Uri('pkcs11:object=my key'),
      /object contains the character U\+0020/,
    );
    expectInvalid(() => parsePkcs11Uri('pkcs11:object=a/b'), /object contains "\/"/);
    expectInvalid(() => parsePkcs11Uri('pkcs11:object=a#b'), /object contains "#"/);
    expectInvalid(() => parsePkcs11Uri('pkcs11:token=á'), /token contains the character U\+00E1/);
    expectInvalid(() => parsePkcs11Uri('pkcs11:token=😀'), /U\+1F600/);
    expectInvalid(() => parsePkcs11Uri('pkcs11:?module-path=/a;b'), /module-path contains ";"/);
  });

  it('does not repeat a pin-value in its messages', () => {
    const error = expectInvalid(
      () => parsePkcs11Uri('pkcs11:?pin-value=hunter2%Zhunter2'),
      /pin-value has a "%"/,
    );
    expect(error.message).not.toContain('hunter2');
  });

  it('refuses a bad type', () => {
    for (const value of ['secret', '', 'key', 'private%20']) {
      expectInvalid(
        () => parsePkcs11Uri(`pkcs11:type=${value}`),
        /type must be public, private, cert, secret-key or data/,
      );
    }
  });

  it('refuses a slot-id that is not a decimal CK_ULONG', () => {
    for (const value of ['abc', '-1', '1.5', '', '0x10', '18446744073709551616']) {
      expectInvalid(() => parsePkcs11Uri(`pkcs11:slot-id=${value}`), /slot-id must be a decimal/);
    }
  });

  it('refuses a library-version that is not MAJOR[.MINOR]', () => {
    for (const value of ['x', '1.', '.1', '1.2.3', '']) {
      expectInvalid(
        () => parsePkcs11Uri(`pkcs11:library-version=${value}`),
        /library-version must be MAJOR or MAJOR\.MINOR/,
      );
    }
  });

  it('refuses pin-source together with pin-value', () => {
    expectInvalid(
      () => parsePkcs11Uri('pkcs11:?pin-source=file:/p&pin-value=1234'),
      /pin-source or pin-value, not both/,
    );
  });
});

describe('formatPkcs11Uri', () => {
  it('prints attributes in canonical order whatever order the object has', () => {
    const uri: Pkcs11Uri = {
      queryVendor: new Map([
        ['x-b', '2'],
        ['x-a', '1'],
      ]),
      initArgs: 'i',
      modulePath: '/m.so',
      moduleName: 'm',
      pinSource: 'env:PIN',
      pathVendor: new Map([['x-z', 'z']]),
      slotId: '1',
      slotManufacturer: 'sm',
      slotDescription: 'sd',
      id: bytes(1),
      type: 'data',
      object: 'o',
      libraryDescription: 'ld',
      libraryVersion: '2.40',
      libraryManufacturer: 'lm',
      model: 'mo',
      serial: 's',
      manufacturer: 'ma',
      token: 't',
    };
    expect(formatPkcs11Uri(uri)).toBe(
      'pkcs11:token=t;manufacturer=ma;serial=s;model=mo;library-manufacturer=lm;' +
        'library-version=2.40;library-description=ld;object=o;type=data;id=%01;' +
        'slot-description=sd;slot-manufacturer=sm;slot-id=1;x-z=z' +
        '?pin-source=env:PIN&module-name=m&module-path=/m.so&x-init-args=i&x-a=1&x-b=2',
    );
  });

  it('writes an id as %XX bytes even when they are printable', () => {
    expect(formatPkcs11Uri({ id: new TextEncoder().encode('ab~') })).toBe('pkcs11:id=%61%62%7E');
  });

  it('percent-encodes only what each component requires', () => {
    const text = 'a b;c&d/e?f|g%h#é';
    expect(formatPkcs11Uri({ object: text, modulePath: text })).toBe(
      'pkcs11:object=a%20b%3Bc&d%2Fe%3Ff%7Cg%25h%23%C3%A9' +
        '?module-path=a%20b%3Bc%26d/e?f|g%25h%23%C3%A9',
    );
  });

  it('never prints pin-value', () => {
    const text = formatPkcs11Uri({ token: 't', pinValue: '1234' });
    expect(text).toBe('pkcs11:token=t');
    expect(text).not.toContain('1234');
  });

  it('prints empty values, which differ from absent ones', () => {
    expect(formatPkcs11Uri({ serial: '', id: bytes() })).toBe('pkcs11:serial=;id=');
  });

  it('refuses a hand-built URI it could not read back', () => {
    expectInvalid(() => formatPkcs11Uri({ slotId: 'abc' }), /slot-id must be a decimal/);
    expectInvalid(() => formatPkcs11Uri({ libraryVersion: 'v1' }), /library-version/);
    expectInvalid(
      () => formatPkcs11Uri({ pathVendor: new Map([['a;token', 'x']]) }),
      /"a;token" cannot be printed as a vendor attribute/,
    );
    expectInvalid(
      () => formatPkcs11Uri({ queryVendor: new Map([['pin-source', 'env:X']]) }),
      /"pin-source" cannot be printed/,
    );
  });

  it('round-trips every byte in an id and every printable character in text', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const printable = String.fromCharCode(...Array.from({ length: 95 }, (_, i) => i + 0x20));
    const uri: Pkcs11Uri = {
      token: printable,
      manufacturer: 'Ünïcødé 😀',
      serial: '',
      object: '\u{feff}bom-kept',
      type: 'secret-key',
      id: all,
      slotId: '18446744073709551615',
      pathVendor: new Map([['x-p', printable]]),
      pinSource: printable,
      moduleName: 'm',
      modulePath: 'C:\\Program Files\\HSM\\cryptoki.dll',
      initArgs: printable,
      queryVendor: new Map([['x-q', printable]]),
    };
    expect(parsePkcs11Uri(formatPkcs11Uri(uri))).toEqual(uri);
  });
});

describe('parsePinSource', () => {
  it('reads file:PATH and the RFC 8089 file:///PATH form', () => {
    expect(parsePinSource('file:/etc/token_pin')).toEqual({ kind: 'file', path: '/etc/token_pin' });
    expect(parsePinSource('file:pin.txt')).toEqual({ kind: 'file', path: 'pin.txt' });
    expect(parsePinSource('file:///run/pin')).toEqual({ kind: 'file', path: '/run/pin' });
    expect(parsePinSource('file://localhost/run/pin')).toEqual({ kind: 'file', path: '/run/pin' });
  });

  it('reads env:NAME', () => {
    expect(parsePinSource('env:HSM_PIN')).toEqual({ kind: 'env', name: 'HSM_PIN' });
  });

  it('reads the pin-source of a parsed URI', () => {
    const uri = parsePkcs11Uri('pkcs11:token=a?pin-source=file:/run/my%20pin');
    expect(parsePinSource(uri.pinSource ?? '')).toEqual({ kind: 'file', path: '/run/my pin' });
  });

  it('refuses every other source', () => {
    for (const value of ['1234', '/etc/pin', '|/bin/askpin', 'argv:1', 'https://x/pin', '']) {
      expectInvalid(() => parsePinSource(value), /only taken from .*file:.*env:.*never from argv/);
    }
  });

  it('refuses an empty file path, a remote file and a bad variable name', () => {
    expectInvalid(() => parsePinSource('file:'), /must be followed by a path/);
    expectInvalid(() => parsePinSource('file://'), /must name a local file/);
    expectInvalid(() => parsePinSource('file://server/share/pin'), /must name a local file/);
    expectInvalid(() => parsePinSource('env:'), /must name an environment variable/);
    expectInvalid(() => parsePinSource('env:1PIN'), /must name an environment variable/);
    expectInvalid(() => parsePinSource('env:HSM-PIN'), /must name an environment variable/);
  });
});

describe('parseKeyAddress and formatKeyAddress', () => {
  const VALID: [string, KeyAddress][] = [
    [
      'pkcs11:token=demo;object=root-2026;type=private',
      { scheme: 'pkcs11', uri: { token: 'demo', object: 'root-2026', type: 'private' } },
    ],
    [
      'azurekv://myvault.vault.azure.net/keys/root-2026',
      { scheme: 'azurekv', vaultHost: 'myvault.vault.azure.net', keyName: 'root-2026' },
    ],
    [
      'azurekv://contoso.managedhsm.azure.net/keys/Root2026/0123456789abcdef0123456789ABCDEF',
      {
        scheme: 'azurekv',
        vaultHost: 'contoso.managedhsm.azure.net',
        keyName: 'Root2026',
        version: '0123456789abcdef0123456789ABCDEF',
      },
    ],
    [
      'gcpkms://projects/my-project-123/locations/europe-west3/keyRings/ceremony/cryptoKeys/root_2026',
      {
        scheme: 'gcpkms',
        project: 'my-project-123',
        location: 'europe-west3',
        keyRing: 'ceremony',
        cryptoKey: 'root_2026',
      },
    ],
    [
      'gcpkms://projects/example.com:olocus/locations/global/keyRings/r/cryptoKeys/k' +
        '/cryptoKeyVersions/12',
      {
        scheme: 'gcpkms',
        project: 'example.com:olocus',
        location: 'global',
        keyRing: 'r',
        cryptoKey: 'k',
        version: '12',
      },
    ],
    [
      'gcpkms://projects/123456789012/locations/us/keyRings/R-1/cryptoKeys/K-1',
      {
        scheme: 'gcpkms',
        project: '123456789012',
        location: 'us',
        keyRing: 'R-1',
        cryptoKey: 'K-1',
      },
    ],
    [
      'awscloudhsm://us-east-1/cluster-jxhlf7644ne',
      { scheme: 'awscloudhsm', region: 'us-east-1', clusterId: 'cluster-jxhlf7644ne' },
    ],
    [
      'awscloudhsm://us-gov-west-1/cluster-abc123',
      { scheme: 'awscloudhsm', region: 'us-gov-west-1', clusterId: 'cluster-abc123' },
    ],
  ];

  it.each(VALID)('parses and prints %s', (text, address) => {
    expect(parseKeyAddress(text)).toEqual(address);
    expect(formatKeyAddress(address)).toBe(text);
  });

  it('writes an Azure vault host in lower case', () => {
    expect(parseKeyAddress('azurekv://MyVault.Vault.Azure.NET/keys/k')).toEqual({
      scheme: 'azurekv',
      vaultHost: 'myvault.vault.azure.net',
      keyName: 'k',
    });
  });

  it('accepts an Azure key name of exactly 127 characters', () => {
    const name = 'a'.repeat(127);
    expect(parseKeyAddress(`azurekv://v.vault.azure.net/keys/${name}`)).toMatchObject({
      keyName: name,
    });
  });

  it('refuses unknown schemes', () => {
    for (const text of ['', 'https://v.vault.azure.net/keys/k', 'azurekv:v/keys/k', 'kms://x']) {
      expectInvalid(
        () => parseKeyAddress(text),
        /must start with pkcs11:, azurekv:\/\/, gcpkms:\/\/ or awscloudhsm:\/\//,
      );
    }
  });

  it('passes PKCS#11 URI errors through', () => {
    expectInvalid(() => parseKeyAddress('pkcs11:type=key'), /type must be/);
  });

  it.each([
    ['azurekv://v.vault.azure.net/secrets/k', /azurekv:\/\/VAULT-HOST\/keys\/NAME/],
    ['azurekv://v.vault.azure.net/keys', /key name/],
    ['azurekv://v.vault.azure.net/keys/', /key name/],
    ['azurekv://v.vault.azure.net/keys/root_2026', /key name must be 1 to 127/],
    [`azurekv://v.vault.azure.net/keys/${'a'.repeat(128)}`, /key name must be 1 to 127/],
    ['azurekv://v.vault.azure.net/keys/k/v1', /key version must be 32 hexadecimal/],
    ['azurekv://v.vault.azure.net/keys/k/', /key version/],
    [`azurekv://v.vault.azure.net/keys/k/${'0'.repeat(32)}/x`, /azurekv:\/\/VAULT-HOST/],
    ['azurekv://vault/keys/k', /vault host must be a DNS name/],
    ['azurekv://-v.vault.azure.net/keys/k', /vault host/],
    ['azurekv://v.vault.azure.net:443/keys/k', /vault host/],
    ['azurekv:///keys/k', /vault host/],
  ])('refuses the Azure address %s', (text, message) => {
    expectInvalid(() => parseKeyAddress(text), message);
  });

  it.each([
    ['gcpkms://projects/p-12345/locations/l/keyrings/r/cryptoKeys/k', /gcpkms:\/\/projects\/P/],
    ['gcpkms://projects/p-12345/locations/l/keyRings/r', /gcpkms:\/\/projects\/P/],
    ['gcpkms://projects/p-12345/locations/l/keyRings/r/cryptoKeys/k/x/1', /gcpkms:\/\//],
    ['gcpkms://projects/p-12345/locations/l/keyRings/r/cryptoKeys/k/cryptoKeyVersions/1/x', /P/],
    ['gcpkms://projects/P_1/locations/l/keyRings/r/cryptoKeys/k', /project must be a project id/],
    ['gcpkms://projects/p/locations/l/keyRings/r/cryptoKeys/k', /project must be/],
    ['gcpkms://projects/p-12345/locations/Europe/keyRings/r/cryptoKeys/k', /location must be/],
    ['gcpkms://projects/p-12345/locations/l/keyRings/r.1/cryptoKeys/k', /key ring id must be/],
    [
      `gcpkms://projects/p-12345/locations/l/keyRings/r/cryptoKeys/${'k'.repeat(64)}`,
      /crypto key id must be 1 to 63/,
    ],
    ['gcpkms://projects/p-12345/locations/l/keyRings/r/cryptoKeys/', /crypto key id/],
    [
      'gcpkms://projects/p-12345/locations/l/keyRings/r/cryptoKeys/k/cryptoKeyVersions/0',
      /version must be a positive whole number/,
    ],
    [
      'gcpkms://projects/p-12345/locations/l/keyRings/r/cryptoKeys/k/cryptoKeyVersions',
      /version must be a positive whole number/,
    ],
  ])('refuses the Cloud KMS address %s', (text, message) => {
    expectInvalid(() => parseKeyAddress(text), message);
  });

  it.each([
    ['awscloudhsm://useast1/cluster-abc', /region must look like us-east-1/],
    ['awscloudhsm://US-EAST-1/cluster-abc', /region/],
    ['awscloudhsm://us-east/cluster-abc', /region/],
    ['awscloudhsm://us-east-1/clust-abc', /cluster id must look like cluster-/],
    ['awscloudhsm://us-east-1/cluster-ABC', /cluster id/],
    ['awscloudhsm://us-east-1/cluster-', /cluster id/],
    ['awscloudhsm://us-east-1', /cluster id/],
    ['awscloudhsm://us-east-1/cluster-abc/key', /awscloudhsm:\/\/REGION\/CLUSTER-ID/],
  ])('refuses the CloudHSM address %s', (text, message) => {
    expectInvalid(() => parseKeyAddress(text), message);
  });

  it('refuses to print a hand-built address it could not read back', () => {
    expectInvalid(
      () => formatKeyAddress({ scheme: 'azurekv', vaultHost: 'v.vault.azure.net', keyName: 'a/b' }),
      /Azure key version/,
    );
    expectInvalid(
      () => formatKeyAddress({ scheme: 'awscloudhsm', region: 'mars-1', clusterId: 'cluster-a' }),
      /region/,
    );
  });
});
