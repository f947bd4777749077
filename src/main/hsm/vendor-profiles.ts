// PKCS#11 vendor profiles, as data (vendors.ts detects and probes with them). This and
// vendors.ts are the one place in the code base that knows vendors by name:
// everything else chooses mechanisms by discovery (C_GetMechanismList / C_GetMechanismInfo). A
// profile therefore records only what discovery cannot reveal: where the vendor's installer puts
// the module, how to recognise the vendor from C_GetInfo / C_GetTokenInfo, the PIN format the
// officer must type, what must be configured before C_Initialize, and behaviour that a mechanism
// list hides (a mechanism that is listed but refuses some parameters, a mechanism number that is
// vendor-defined). Every fact here has a source in docs/vendors.md; facts we could not source are
// left out rather than guessed, because a wrong quirk is worse than none during a ceremony.

export type VendorId =
  | 'softhsm'
  | 'nss_softoken'
  | 'thales_luna'
  | 'entrust_nshield'
  | 'utimaco'
  | 'aws_cloudhsm'
  | 'yubihsm';

export interface VendorProfile {
  id: VendorId;
  name: string;
  /**
   * Default library locations, most likely first. Windows paths may hold `%NAME%` references to
   * environment variables set by the vendor's installer; they are expanded when probing.
   */
  modulePaths: { linux: string[]; darwin: string[]; win32: string[] };
  /**
   * Matches C_GetInfo manufacturerID / libraryDescription or token manufacturer/model to recognise
   * the vendor. Within the library pair, and within the token pair, every pattern given must
   * match: several vendors share a manufacturer string with other products (Yubico's YubiKey
   * module, SafeNet's eToken client), so one field alone would misidentify them.
   */
  detect: {
    libraryManufacturer?: RegExp;
    libraryDescription?: RegExp;
    tokenManufacturer?: RegExp;
    tokenModel?: RegExp;
  };
  /** The OLOCUS_VENDOR_QUIRKS file whose quirks replaced some of these (see vendor-site.ts). */
  siteQuirks?: string;
  quirks: {
    /** Hashes the module accepts in CKM_RSA_PKCS_OAEP params (e.g. SoftHSM 2.6: only SHA-1). undefined = discover/try. */
    oaepHashes?: ('sha1' | 'sha256' | 'sha384' | 'sha512')[];
    /** Key types the module cannot wrap/unwrap although it lists wrap mechanisms (SoftHSM: Ed25519). */
    cannotWrap?: ('ed25519' | 'ec' | 'rsa' | 'aes')[];
    // No per-vendor flag for provenance of unwrapped keys: PKCS#11 makes CKA_LOCAL true only for
    // keys generated on the token (or copies of such), so an imported key reads CKA_LOCAL false
    // on every module, and SoftHSM also reports NEVER_EXTRACTABLE / ALWAYS_SENSITIVE false.
    // Provenance code must treat that as the rule for all vendors (docs/vendors.md).
    /** Vendor-defined mechanism numbers the app may need (e.g. AWS CloudHSM AES key wrap variants), name → number. */
    vendorMechanisms?: Record<string, number>;
    /** The mechanism number that means RFC 5649 key wrap on this module when it is not the standard 0x210B. */
    rfc5649?: number;
    /**
     * Mechanism numbers the app must not use on this module although it lists them (a site's
     * decision, e.g. firmware whose implementation it has not verified): resolution treats them
     * as absent, and a refusal names them as withheld.
     */
    withheldMechanisms?: number[];
    /** The EC key types the module can hold, when not every one the app offers (NSS: no secp256k1). */
    ecCurves?: ('ec-p256' | 'ec-p384' | 'ec-p521' | 'ec-secp256k1')[];
    /** The PIN format the module expects, for the officer's prompt (CloudHSM "user:password", YubiHSM authkey id + password). */
    pinFormat?: string;
    /** Environment or config the module needs before C_Initialize (e.g. YUBIHSM_PKCS11_CONF, ChrystokiConfigurationPath, CKNFAST_*). */
    environment?: string[];
    /** C_Initialize pReserved string needed? (NSS softoken needs one; most don't) */
    initArgsRequired?: boolean;
    /**
     * An attribute the module needs, holding the raw public point, to unwrap an EC private key
     * whose PKCS#8 lacks the optional public key (NSS: CKA_NSS_DB, else CKR_TEMPLATE_INCOMPLETE).
     */
    ecUnwrapPublicPoint?: number;
    /**
     * How the module treats the AES-GCM IV on encryption. 'module-generated': it ignores the IV
     * in the request, uses one it generates and writes that into CK_GCM_PARAMS.pIv (AWS
     * CloudHSM); Olocus then passes a zeroed 12-byte buffer and records what was written back.
     * Absent: the caller's IV is used (PKCS#11 2.40), and Olocus sends a random 96-bit one.
     */
    gcmIv?: 'module-generated';
    /**
     * The module computes in the calling process on the CPU (a software token): no network,
     * device or daemon behind a call, so a sign or verify cannot block for long, and the
     * calling thread may run one when the PKCS#11 threads are busy (pkcs11/caller-runs.ts).
     */
    inProcess?: boolean;
    notes?: string[];
  };
}

// Real HSMs come before SoftHSM so that, on a ceremony machine that also has SoftHSM installed
// for rehearsals, module discovery offers the hardware first.
export const PROFILES: readonly VendorProfile[] = [
  {
    id: 'thales_luna',
    name: 'Thales Luna Network HSM / Luna PCIe',
    modulePaths: {
      linux: ['/usr/safenet/lunaclient/lib/libCryptoki2_64.so'],
      darwin: [],
      win32: ['C:\\Program Files\\SafeNet\\LunaClient\\cryptoki.dll'],
    },
    // C_GetInfo of Luna client 10.9: manufacturer "SafeNet", description "Chrystoki". Both are
    // required: SafeNet also made other PKCS#11 middleware (SafeNet Authentication Client for
    // eTokens), so the manufacturer alone does not prove a Luna.
    detect: { libraryManufacturer: /^SafeNet\b/i, libraryDescription: /^Chrystoki\b/ },
    quirks: {
      // Luna's own number for RFC 5649 wrapping; SafeNet's header calls it identical to the
      // standard CKM_AES_KEY_WRAP_KWP (0x210B). Discovery shows which of the two a partition lists.
      vendorMechanisms: { CKM_AES_KWP: 0x80000171 },
      rfc5649: 0x80000171,
      pinFormat:
        'Partition password (crypto officer or crypto user). PED-authenticated HSMs take the credential from a PED key instead.',
      environment: ['ChrystokiConfigurationPath'],
      notes: [
        'The client reads Chrystoki.conf; set ChrystokiConfigurationPath to its directory when the client is not installed at the default location.',
      ],
    },
  },
  {
    id: 'entrust_nshield',
    name: 'Entrust nShield',
    modulePaths: {
      linux: ['/opt/nfast/toolkits/pkcs11/libcknfast.so'],
      darwin: [],
      win32: ['C:\\Program Files\\nCipher\\nfast\\toolkits\\pkcs11\\cknfast.dll'],
    },
    detect: {
      libraryManufacturer: /^nCipher Corp\. Ltd\b/,
      tokenManufacturer: /^nCipher Corp\. Ltd\b/,
    },
    quirks: {
      pinFormat:
        'Passphrase of the Operator Card Set or softcard that the slot represents (module-protected keys live in the "accelerator" slot, which has no login).',
      environment: [
        'CKNFAST_LOADSHARING',
        'CKNFAST_OVERRIDE_SECURITY_ASSURANCES',
        'CKNFAST_FAKE_ACCELERATOR_LOGIN',
        'NFAST_NFKM_TOKENSFILE',
        'cknfastrc',
      ],
      notes: [
        'Variables may also be set in cknfastrc (/opt/nfast/ on Linux, %NFAST_HOME% on Windows); the environment wins over the file, and changes need an application restart.',
        'Softcards are only visible with CKNFAST_LOADSHARING enabled.',
        'The Security Assurance Mechanism refuses some operations it judges risky until CKNFAST_OVERRIDE_SECURITY_ASSURANCES allows them; a refusal is a policy decision of the site, not a missing mechanism.',
        'K/N Operator Card Sets need the preload utility (with NFAST_NFKM_TOKENSFILE); the library then does not check the passphrase given to C_Login.',
      ],
    },
  },
  {
    id: 'utimaco',
    name: 'Utimaco SecurityServer / CryptoServer / u.trust GP HSM (PKCS#11 R3)',
    modulePaths: {
      // Utimaco ships the Linux library on the product CD for the administrator to copy where
      // they like; these are locations integrators use, not an installer default.
      linux: [
        '/opt/utimaco/lib/libcs_pkcs11_R3.so',
        '/usr/lib/libcs_pkcs11_R3.so',
        '/lib/libcs_pkcs11_R3.so',
      ],
      darwin: [],
      // CryptoServerSetup.exe sets CS_PATH.
      win32: ['%CS_PATH%\\Lib\\cs_pkcs11_R3.dll'],
    },
    detect: { tokenManufacturer: /^Utimaco\b/, tokenModel: /^CryptoServer\b/ },
    quirks: {
      pinFormat: 'Slot user PIN (USR_xxxx) or SO PIN; the token enforces its own minimum length.',
      environment: ['CS_PKCS11_R3_CFG'],
      notes: [
        'The library finds its configuration file (cs_pkcs11_R3.cfg, which names the HSM devices) through CS_PKCS11_R3_CFG; the Windows installer sets it, Linux hosts must.',
        'C_InitToken needs a device administrator logged in, so token initialisation is done with Utimaco p11tool2, not through PKCS#11.',
        'Initial SO and user PINs must be changed before the user can work (CKR_PIN_TOO_WEAK otherwise).',
      ],
    },
  },
  {
    id: 'aws_cloudhsm',
    name: 'AWS CloudHSM (Client SDK 5)',
    modulePaths: {
      linux: [
        '/opt/cloudhsm/lib/libcloudhsm_pkcs11.so',
        // Client SDK 3 name, for hosts not yet migrated.
        '/opt/cloudhsm/lib/libcloudhsm_pkcs11_standard.so',
      ],
      darwin: [],
      win32: ['C:\\Program Files\\Amazon\\CloudHSM\\lib\\cloudhsm_pkcs11.dll'],
    },
    // No public source gives CloudHSM's C_GetInfo / C_GetTokenInfo strings, so it is recognised
    // by module path only (the caller chose it); see docs/vendors.md.
    detect: {},
    quirks: {
      // SHA-224 is also accepted; the app does not use it.
      oaepHashes: ['sha1', 'sha256', 'sha384', 'sha512'],
      vendorMechanisms: {
        CKM_CLOUDHSM_AES_GCM: 0x80001087, // CKM_VENDOR_DEFINED | CKM_AES_GCM
        CKM_CLOUDHSM_AES_KEY_WRAP_NO_PAD: 0x80002109, // CKM_VENDOR_DEFINED | CKM_AES_KEY_WRAP
        CKM_CLOUDHSM_AES_KEY_WRAP_PKCS5_PAD: 0x8000210a, // CKM_VENDOR_DEFINED | CKM_AES_KEY_WRAP_PAD
        // RFC 5649 ("AES Key Wrap with Zero Padding"): what the app calls aes-kwp.
        CKM_CLOUDHSM_AES_KEY_WRAP_ZERO_PAD: 0x8000216f,
        CKM_SP800_108_COUNTER_KDF: 0x80000001,
      },
      rfc5649: 0x8000216f,
      // "When performing AES-GCM encryption, the HSM ignores the IV in the request and uses an
      // IV that it generates", written to pIV (AWS mechanisms page, docs/vendors.md).
      gcmIv: 'module-generated',
      pinFormat: '<crypto user name>:<password>, e.g. CryptoUser:CUPassword123!',
      environment: ['configure-pkcs11 bootstrap (Client SDK 5 cluster configuration)'],
      notes: [
        'Client SDK 5 must be bootstrapped with the cluster before the library can connect.',
        'AES-GCM encryption: the HSM generates the 12-byte IV and writes it to CK_GCM_PARAMS.pIV; a caller-chosen IV is not accepted. CKM_CLOUDHSM_AES_GCM instead prepends the IV to the ciphertext.',
        'CKM_RSA_PKCS, CKM_RSA_PKCS_PSS, CKM_RSA_PKCS_OAEP and CKM_ECDSA are single-part only.',
        "Client SDK 5's documented wrap/unwrap mechanisms include no standard AES key-wrap number; AES key wrap is the vendor-defined CKM_CLOUDHSM_AES_KEY_WRAP_* (SDK 3's CKM_AES_KEY_WRAP_PAD became ..._ZERO_PAD).",
        'Key handles are valid for one session only; look keys up again in each run.',
      ],
    },
  },
  {
    id: 'yubihsm',
    name: 'Yubico YubiHSM 2',
    modulePaths: {
      linux: [
        '/usr/lib/x86_64-linux-gnu/pkcs11/yubihsm_pkcs11.so',
        '/usr/lib64/pkcs11/yubihsm_pkcs11.so',
        '/usr/lib/pkcs11/yubihsm_pkcs11.so',
        '/usr/local/lib/pkcs11/yubihsm_pkcs11.so',
      ],
      darwin: ['/usr/local/lib/pkcs11/yubihsm_pkcs11.dylib'],
      // The SDK for Windows is a zip unpacked wherever the administrator chooses
      // (bin/yubihsm_pkcs11.dll inside it), so there is no default to probe.
      win32: [],
    },
    // "Yubico (www.yubico.com)" is also the manufacturer of the YubiKey PIV module, so the
    // manufacturer is only accepted together with the YubiHSM description or model.
    detect: {
      libraryManufacturer: /^Yubico\b/,
      libraryDescription: /^YubiHSM PKCS#11 Library\b/,
      tokenManufacturer: /^Yubico\b/,
      tokenModel: /^YubiHSM\b/,
    },
    quirks: {
      vendorMechanisms: {
        // CKM_VENDOR_DEFINED | YUBICO_BASE_VENDOR (0x59554200) | YH_WRAP_KEY (0x04)
        CKM_YUBICO_AES_CCM_WRAP: 0xd9554204,
      },
      pinFormat:
        'Authentication key ID as 4 hexadecimal digits followed directly by its password, e.g. 0001password',
      environment: ['YUBIHSM_PKCS11_CONF'],
      // The configuration may instead be passed in pReserved, but the config file is enough.
      initArgsRequired: false,
      notes: [
        'The module needs yubihsm_pkcs11.conf with at least connector=<URL> (default lookup: the current directory); YUBIHSM_PKCS11_CONF names another file.',
        'Configuration options may also be passed in C_Initialize pReserved, which Yubico notes violates PKCS#11 and not every application supports.',
        'The connector (yubihsm-connector, default http://localhost:12345) must be running unless the configuration uses direct USB.',
      ],
    },
  },
  {
    id: 'softhsm',
    name: 'SoftHSM v2',
    modulePaths: {
      linux: [
        '/usr/lib/softhsm/libsofthsm2.so', // Debian/Ubuntu (symlink into the multiarch dir), Arch
        '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so', // Debian/Ubuntu amd64
        '/usr/lib64/pkcs11/libsofthsm2.so', // Fedora/RHEL
        '/usr/local/lib/softhsm/libsofthsm2.so', // built from source
      ],
      darwin: [
        '/opt/homebrew/lib/softhsm/libsofthsm2.so', // Homebrew, Apple silicon
        '/usr/local/lib/softhsm/libsofthsm2.so', // Homebrew, Intel
      ],
      // The SoftHSM2-for-Windows MSI installs both a 32-bit (softhsm2.dll) and a 64-bit build;
      // only the 64-bit one loads into 64-bit Node.
      win32: ['C:\\SoftHSM2\\lib\\softhsm2-x64.dll'],
    },
    detect: {
      libraryManufacturer: /^SoftHSM\b/,
      libraryDescription: /^Implementation of PKCS11\b/,
      tokenManufacturer: /^SoftHSM project\b/,
      tokenModel: /^SoftHSM v2\b/,
    },
    quirks: {
      // SoftHSM 2.6.1 refuses any other hash or MGF in CK_RSA_PKCS_OAEP_PARAMS with
      // CKR_ARGUMENTS_BAD although CKM_RSA_PKCS_OAEP is listed; later releases lift this.
      oaepHashes: ['sha1'],
      // Ed25519 keys sign, but C_WrapKey/C_UnwrapKey reject them.
      cannotWrap: ['ed25519'],
      // 0x210A (CKM_AES_KEY_WRAP_PAD) is RFC 5649 here; 0x210B is not listed.
      rfc5649: 0x210a,
      // A library that signs with OpenSSL in the caller's process, its objects in files.
      inProcess: true,
      pinFormat: 'Token user PIN (any string of 4 to 255 bytes).',
      environment: ['SOFTHSM2_CONF'],
      notes: [
        'SOFTHSM2_CONF is read at C_Initialize and names the configuration (token directory); without it the system softhsm2.conf is used.',
        'No CKM_RSA_AES_KEY_WRAP; no hashed ECDSA mechanisms (CKM_ECDSA_SHA256 etc.): hash in software and sign with CKM_ECDSA.',
        'RFC 5649 wrapping is offered as CKM_AES_KEY_WRAP_PAD (0x210A), not CKM_AES_KEY_WRAP_KWP (0x210B); the listed 0x210A behaves as KWP.',
        'Unwrapped keys report CKA_LOCAL, CKA_NEVER_EXTRACTABLE and CKA_ALWAYS_SENSITIVE false.',
        'Software token: for rehearsals and tests, never for a production ceremony.',
      ],
    },
  },
  {
    id: 'nss_softoken',
    name: 'Mozilla NSS softoken',
    // No default paths: NSS cannot start without its init string, so discovery (which opens
    // modules without one) must not offer it; it is reached by module-path + x-init-args.
    modulePaths: { linux: [], darwin: [], win32: [] },
    detect: {
      libraryManufacturer: /^Mozilla Foundation\b/,
      libraryDescription: /^NSS Internal Crypto Services\b/,
    },
    quirks: {
      // Observed with NSS 3.87 on Debian (docs/interop.md): 0x210A is RFC 3394 + PKCS#7
      // padding, RFC 5649 is the standard 0x210B, so no rfc5649 override here.
      // sftk_unwrapPrivateKey stores an EC key's public value as CKA_NSS_DB (0xD5A0DB00) and
      // takes it from the PKCS#8; SoftHSM's PKCS#8 omits it, so the template supplies it.
      ecUnwrapPublicPoint: 0xd5a0db00,
      // freebl implements the NIST curves only: unwrapping a secp256k1 key answers
      // CKR_DOMAIN_PARAMS_INVALID (observed), so a migration refuses it before wrapping.
      ecCurves: ['ec-p256', 'ec-p384', 'ec-p521'],
      // freebl computes in the caller's process; the database is a local SQLite file.
      inProcess: true,
      initArgsRequired: true,
      pinFormat: 'NSS database password (empty until a user PIN is set).',
      notes: [
        'Needs a pReserved init string naming its database (configdir=...), given as x-init-args in the URI.',
        'Software token: for tests and interop checks, never for a production ceremony.',
      ],
    },
  },
];
