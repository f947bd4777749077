// Transfer steps and target HSMs in a ceremony script: a valid script and its plan, and each
// mistake a reviewer could catch on paper refused with its line, column and a sentence.
import { describe, expect, it } from 'vitest';
import { parseScript } from '../../src/main/ceremony/script/load';
import { formatPlan, planScript } from '../../src/main/ceremony/script/plan';
import { ConfigError } from '../../src/main/config/issues';
import { ErrorCode } from '../../src/shared/errors';

const BASE = `version: 1
ceremony: { id: move-2026, name: Move the signer, location: Lab }
hsm: { uri: 'pkcs11:token=ceremony?module-path=/usr/lib/softhsm/libsofthsm2.so' }
targets:
  dr-site:
    uri: 'pkcs11:token=dr-2026?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=env:DR_PIN'
roles:
  administrator: Ada Administrator
  officers: [Alice Archer, Bob Baker, Carol Chen]
  witnesses: [Walter Witness]
quorum: { threshold: 2 }
steps:
  - id: init
    type: token.initialize
  - id: gen
    type: key.generate
    key: { label: signer, type: ec-p256 }
    policy: { backup: true }
  - id: backup
    type: key.backup
    keys: [signer]
    kek: { label: backup-kek }
  - id: move
    type: transfer
    key: signer
    to: dr-site
    wrap: rsa-aes-kwp
    witness: required
`;

function edit(from: string, to: string, text = BASE): string {
  expect(text).toContain(from);
  return text.replace(from, to);
}

/** The one issue of a script that must be refused, with where it is in the file. */
function refusal(text: string): { message: string; line: number; col: number; path: string } {
  let err: unknown;
  try {
    parseScript(text, 'move.yaml');
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ConfigError);
  const e = err as ConfigError;
  expect(e.code).toBe(ErrorCode.INVALID_INPUT);
  expect(e.issues).toHaveLength(1);
  const issue = e.issues[0]!;
  expect(e.message).toBe(`move.yaml:${issue.line}:${issue.col}: ${issue.message}`);
  return { ...issue };
}

/** 1-based line and column of the first `needle` at or after the line holding `after`. */
function where(text: string, needle: string, after = needle): { line: number; col: number } {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.includes(after));
  for (let i = start; i < lines.length; i++) {
    const col = lines[i]!.indexOf(needle);
    if (col >= 0) return { line: i + 1, col: col + 1 };
  }
  throw new Error(`${needle} not found`);
}

describe('a valid transfer script', () => {
  it('parses with the defaults, and the existing hsm: stays as it was', () => {
    const s = parseScript(BASE);
    expect(s.hsm.uri).toContain('token=ceremony');
    expect(s.targets['dr-site']!.uri).toContain('pin-source=env:DR_PIN');
    expect(s.steps[3]).toMatchObject({
      type: 'transfer',
      key: 'signer',
      to: 'dr-site',
      wrap: 'rsa-aes-kwp',
      destroy_source: false,
    });
  });

  it('a script without targets is still valid (targets default to none)', () => {
    const s = parseScript(
      edit(
        "targets:\n  dr-site:\n    uri: 'pkcs11:token=dr-2026?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=env:DR_PIN'\n",
        '',
      ).replace(/ {2}- id: move\n(?: {4}.*\n)+/, ''),
    );
    expect(s.targets).toEqual({});
  });

  it('has a plan naming the target, the wrap, the proof and the quorum', () => {
    const plan = planScript(parseScript(BASE));
    expect(plan.targets).toEqual([
      {
        name: 'dr-site',
        uri: 'pkcs11:token=dr-2026?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=env:DR_PIN',
      },
    ]);
    expect(plan.steps[3]).toMatchObject({
      type: 'transfer',
      needsQuorum: true,
      witness: 'required',
    });
    const text = formatPlan(plan);
    expect(text).toContain('Target HSM "dr-site": pkcs11:token=dr-2026');
    expect(text).toContain('4. move [transfer; quorum, witness]');
    expect(text).toContain('The target makes an RSA transport key; "signer" is wrapped');
    expect(text).toContain('Prove the copy before anything else');
  });

  it('kwp under the backup KEK, with the source destroyed on the approval of the quorum', () => {
    const text = edit(
      '    wrap: rsa-aes-kwp\n',
      '    wrap: kwp\n    kek: { backup: backup-kek }\n    destroy_source: true\n    approved_by: [Alice Archer, Carol Chen]\n',
    );
    const plan = formatPlan(planScript(parseScript(text)));
    expect(plan).toContain(
      `Reconstruct backup KEK "backup-kek" from 2 officers' shares, load it on both tokens for this step only, and move "signer" under it`,
    );
    expect(plan).toContain(
      'Then Alice Archer, Carol Chen present their shares to approve, and "signer" is destroyed on the ceremony token.',
    );
  });
});

describe('mistakes in a transfer step', () => {
  it('an unknown target, with the near name suggested', () => {
    const text = edit('    to: dr-site', '    to: dr-sit');
    const r = refusal(text);
    expect(r).toMatchObject({ path: 'steps[3].to', ...where(text, 'dr-sit', 'to: dr-sit') });
    expect(r.message).toBe(
      'steps[3].to: target "dr-sit" is not defined (did you mean "dr-site"?); the targets are dr-site.',
    );
  });

  it('a key that no earlier step made', () => {
    const text = edit('    key: signer\n    to:', '    key: singer\n    to:');
    const r = refusal(text);
    expect(r).toMatchObject({ path: 'steps[3].key', ...where(text, 'singer') });
    expect(r.message).toBe('steps[3].key: key "singer" is not made by an earlier step.');
  });

  it('the audit key', () => {
    const text = edit('    key: signer\n    to:', '    key: olocus-audit\n    to:');
    expect(refusal(text).message).toBe(
      `steps[3].key: "olocus-audit" is the audit key, which signs this ceremony's ledger; it stays on the ceremony token.`,
    );
  });

  it('the plan warns when the key is generated never-extractable', () => {
    const text = edit('    policy: { backup: true }\n', '').replace(
      / {2}- id: backup\n(?: {4}.*\n)+/,
      '',
    );
    expect(formatPlan(planScript(parseScript(text)))).toContain(
      'Note: "signer" is generated without policy.backup: true, so it is not extractable and the HSM will refuse to wrap it',
    );
  });

  it('a key that is only made after the transfer', () => {
    const text = edit(
      '  - id: gen',
      '  - id: early\n    type: transfer\n    key: signer\n    to: dr-site\n  - id: gen',
    ).replace(/ {2}- id: move\n(?: {4}.*\n)+/, '');
    const r = refusal(text);
    expect(r).toMatchObject({ path: 'steps[1].key', ...where(text, 'signer', 'id: early') });
    expect(r.message).toContain('key "signer" is not made by an earlier step');
  });

  it('kwp without a KEK', () => {
    const text = edit('    wrap: rsa-aes-kwp', '    wrap: kwp');
    const r = refusal(text);
    expect(r).toMatchObject({ path: 'steps[3].wrap', ...where(text, 'kwp', 'wrap: kwp') });
    expect(r.message).toContain('steps[3].wrap: kwp needs a KEK on both tokens: add kek:');
  });

  it('kwp under a backup KEK that no key.backup step splits', () => {
    const text = edit('    wrap: rsa-aes-kwp', '    wrap: kwp\n    kek: { backup: other-kek }');
    const r = refusal(text);
    expect(r).toMatchObject({ path: 'steps[3].kek.backup', ...where(text, 'other-kek') });
    expect(r.message).toContain('no earlier key.backup step splits a KEK labelled "other-kek"');
  });

  it('a KEK given for rsa-aes-kwp', () => {
    const text = edit('    wrap: rsa-aes-kwp', '    wrap: rsa-aes-kwp\n    kek: { label: shared }');
    const r = refusal(text);
    expect(r.path).toBe('steps[3].kek');
    expect(r.message).toContain('a KEK is used only with wrap: kwp');
  });

  it('destroy_source without approvers', () => {
    const text = edit('    wrap: rsa-aes-kwp', '    wrap: rsa-aes-kwp\n    destroy_source: true');
    const r = refusal(text);
    expect(r).toMatchObject({
      path: 'steps[3].destroy_source',
      ...where(text, 'true', 'destroy_source'),
    });
    expect(r.message).toBe(
      "steps[3].destroy_source: destroying the source key needs the quorum's approval: add approved_by with at least 2 officers.",
    );
  });

  it('destroy_source approved by fewer officers than the quorum', () => {
    const text = edit(
      '    wrap: rsa-aes-kwp',
      '    wrap: rsa-aes-kwp\n    destroy_source: true\n    approved_by: [Bob Baker]',
    );
    const r = refusal(text);
    expect(r).toMatchObject({ path: 'steps[3].approved_by', ...where(text, 'approved_by') });
    expect(r.message).toContain('needs the quorum: 2 officers must approve, and 1 is named');
  });

  it('an approver who is not an officer', () => {
    const text = edit(
      '    wrap: rsa-aes-kwp',
      '    wrap: rsa-aes-kwp\n    destroy_source: true\n    approved_by: [Bob Baker, Walter Witness, Carol Chen]',
    );
    const r = refusal(text);
    expect(r.path).toBe('steps[3].approved_by[1]');
    expect(r.message).toContain('"Walter Witness" is not an officer');
  });

  it('approvers without destroy_source', () => {
    const text = edit(
      '    wrap: rsa-aes-kwp',
      '    wrap: rsa-aes-kwp\n    approved_by: [Bob Baker, Carol Chen]',
    );
    expect(refusal(text).message).toContain('approved_by is for destroy_source: true');
  });

  it('a public key', () => {
    const text = edit(
      '    key: signer\n    to:',
      '    key: { label: signer, class: public }\n    to:',
    );
    const r = refusal(text);
    expect(r).toMatchObject({
      path: 'steps[3].key.class',
      ...where(text, 'public', 'class: public'),
    });
    expect(r.message).toBe(
      'steps[3].key.class: a public key is not transferred: name the private key "signer", and its public half goes with it.',
    );
  });

  it('a private key called secret', () => {
    const text = edit(
      '    key: signer\n    to:',
      '    key: { label: signer, class: secret }\n    to:',
    );
    expect(refusal(text).message).toContain('key "signer" is a private key, not a secret key');
  });

  it('the same key to the same target twice', () => {
    const text = `${BASE}  - id: again\n    type: transfer\n    key: signer\n    to: dr-site\n`;
    const r = refusal(text);
    expect(r.path).toBe('steps[4].to');
    expect(r.message).toContain('key "signer" is already transferred to "dr-site" by step 4');
  });

  it('a key used after a transfer destroyed it', () => {
    const text = `${edit('    wrap: rsa-aes-kwp', '    wrap: rsa-aes-kwp\n    destroy_source: true\n    approved_by: [Alice Archer, Bob Baker]')}  - id: cert\n    type: certificate.csr\n    key: signer\n    subject: CN=x\n`;
    const r = refusal(text);
    expect(r.path).toBe('steps[4].key');
    expect(r.message).toContain(
      'key "signer" is no longer on the ceremony token: step 4 destroys it',
    );
  });
});

describe('mistakes in a target', () => {
  const uri =
    "'pkcs11:token=dr-2026?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=env:DR_PIN'";

  it('no pin-source: the PIN could not be read when the step runs', () => {
    const text = edit(uri, "'pkcs11:token=dr-2026?module-path=/usr/lib/softhsm/libsofthsm2.so'");
    const r = refusal(text);
    expect(r).toMatchObject({
      path: 'targets.dr-site.uri',
      ...where(text, "'pkcs11:token=dr-2026"),
    });
    expect(r.message).toContain(
      'target "dr-site" needs pin-source=file:PATH or pin-source=env:NAME',
    );
  });

  it('a PIN in the script', () => {
    const text = edit(
      uri,
      "'pkcs11:token=dr-2026?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-value=1234'",
    );
    const r = refusal(text);
    expect(r.message).toContain('a ceremony script never holds a PIN');
    expect(r.message).not.toContain('1234');
  });

  it('no module-path, and the ceremony token itself', () => {
    expect(refusal(edit(uri, "'pkcs11:token=dr-2026?pin-source=env:DR_PIN'")).message).toContain(
      'target "dr-site" needs module-path=',
    );
    expect(
      refusal(
        edit(
          uri,
          "'pkcs11:token=ceremony?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=env:DR_PIN'",
        ),
      ).message,
    ).toContain('target "dr-site" is the ceremony token itself');
  });

  it('a transfer in a script with no targets at all', () => {
    const text = edit(
      "targets:\n  dr-site:\n    uri: 'pkcs11:token=dr-2026?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=env:DR_PIN'\n",
      '',
    );
    expect(refusal(text).message).toBe(
      'steps[3].to: target "dr-site" is not defined: add it under targets: with its PKCS#11 URI.',
    );
  });
});
