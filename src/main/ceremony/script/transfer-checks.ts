// The whole-script checks of target HSMs and transfer steps: everything a reviewer could catch on
// paper before the day is refused here, with the line and column, rather than on the HSM.
import { closestMatch } from '../../config/util';
import type { ConfigIssue, PathSegment } from '../../config/issues';
import { parsePinSource, parsePkcs11Uri } from '../../hsm/uri';
import type { Pkcs11Uri } from '../../hsm/uri';
import type { CeremonyScript, TransferStep } from './schema';

type At = (path: PathSegment[], message: string) => ConfigIssue;

/** What the checks of earlier steps know about a key label at this point of the script. */
export interface KnownKey {
  step: number;
  backup: boolean;
  /** True for AES keys: their class is secret, the others' private; null when not known yet. */
  secret: boolean | null;
  /** Set once a transfer step destroyed the key on the ceremony token. */
  destroyedBy?: number;
}

function parsed(text: string): Pkcs11Uri | null {
  try {
    return parsePkcs11Uri(text);
  } catch {
    return null;
  }
}

const reason = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Each target URI names a module, a token and a PIN source, and is not the ceremony token. */
export function checkTargets(s: CeremonyScript, at: At): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const main = parsed(s.hsm.uri);
  for (const [name, t] of Object.entries(s.targets)) {
    const where: PathSegment[] = ['targets', name, 'uri'];
    let uri: Pkcs11Uri;
    try {
      uri = parsePkcs11Uri(t.uri);
    } catch (e) {
      issues.push(at(where, reason(e)));
      continue;
    }
    if (uri.pinValue !== undefined) {
      issues.push(
        at(
          where,
          'a ceremony script never holds a PIN: replace pin-value= with pin-source=file:PATH or pin-source=env:NAME.',
        ),
      );
    } else if (uri.pinSource === undefined) {
      issues.push(
        at(
          where,
          `target "${name}" needs pin-source=file:PATH or pin-source=env:NAME, so its user PIN can be read when the transfer runs.`,
        ),
      );
    } else {
      try {
        parsePinSource(uri.pinSource);
      } catch (e) {
        issues.push(at(where, reason(e)));
      }
    }
    if (uri.modulePath === undefined)
      issues.push(at(where, `target "${name}" needs module-path=… naming its PKCS#11 library.`));
    if (uri.token === undefined)
      issues.push(at(where, `target "${name}" needs token=… naming the token keys move to.`));
    if (
      main &&
      uri.token !== undefined &&
      uri.token === main.token &&
      uri.modulePath === main.modulePath
    )
      issues.push(
        at(
          where,
          `target "${name}" is the ceremony token itself; a transfer needs a second token.`,
        ),
      );
  }
  return issues;
}

/** One transfer step against the targets, the keys made so far and the quorum. */
export function checkTransfer(
  s: CeremonyScript,
  step: TransferStep,
  i: number,
  keys: Map<string, KnownKey>,
  keks: Set<string>,
  moved: Map<string, number>,
  at: At,
): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const p = (...rest: PathSegment[]): PathSegment[] => ['steps', i, ...rest];
  const label = typeof step.key === 'string' ? step.key : step.key.label;
  const keyPath = typeof step.key === 'string' ? p('key') : p('key', 'label');
  const k = keys.get(label);
  const first = s.steps[0];
  if (!k && first?.type === 'token.initialize' && first.audit_key.label === label) {
    issues.push(
      at(
        keyPath,
        `"${label}" is the audit key, which signs this ceremony's ledger; it stays on the ceremony token.`,
      ),
    );
  } else if (!k) {
    issues.push(at(keyPath, `key "${label}" is not made by an earlier step.`));
  } else if (k.destroyedBy !== undefined) {
    issues.push(
      at(
        keyPath,
        `key "${label}" is no longer on the ceremony token: step ${k.destroyedBy + 1} destroys it after its transfer.`,
      ),
    );
  }
  if (typeof step.key !== 'string') {
    if (step.key.class === 'public')
      issues.push(
        at(
          p('key', 'class'),
          `a public key is not transferred: name the private key "${label}", and its public half goes with it.`,
        ),
      );
    else if (k && k.secret !== null && (step.key.class === 'secret') !== k.secret)
      issues.push(
        at(
          p('key', 'class'),
          `key "${label}" is a ${k.secret ? 'secret' : 'private'} key, not a ${step.key.class} key.`,
        ),
      );
  }
  if (!(step.to in s.targets)) {
    const names = Object.keys(s.targets);
    const near = closestMatch(step.to, names);
    issues.push(
      at(
        p('to'),
        names.length === 0
          ? `target "${step.to}" is not defined: add it under targets: with its PKCS#11 URI.`
          : `target "${step.to}" is not defined${near ? ` (did you mean "${near}"?)` : ''}; the targets are ${names.join(', ')}.`,
      ),
    );
  }
  const movedAt = moved.get(`${label}\u0000${step.to}`);
  if (movedAt !== undefined)
    issues.push(
      at(
        p('to'),
        `key "${label}" is already transferred to "${step.to}" by step ${movedAt + 1}; a key is never copied twice.`,
      ),
    );
  else moved.set(`${label}\u0000${step.to}`, i);

  if (step.wrap === 'kwp' && !step.kek)
    issues.push(
      at(
        p('wrap'),
        'kwp needs a KEK on both tokens: add kek: { backup: LABEL } (the backup KEK an earlier key.backup step split among the officers) or kek: { label: LABEL } (a KEK already on both tokens).',
      ),
    );
  if (step.wrap !== 'kwp' && step.kek)
    issues.push(
      at(
        p('kek'),
        'a KEK is used only with wrap: kwp; rsa-aes-kwp makes its own transport key on the target.',
      ),
    );
  if (step.kek && 'backup' in step.kek && !keks.has(step.kek.backup))
    issues.push(
      at(
        p('kek', 'backup'),
        `no earlier key.backup step splits a KEK labelled "${step.kek.backup}".`,
      ),
    );

  const approvers = step.approved_by ?? [];
  if (!step.destroy_source) {
    if (step.approved_by)
      issues.push(
        at(
          p('approved_by'),
          'approved_by is for destroy_source: true; without it the source key stays.',
        ),
      );
    return issues;
  }
  const m = s.quorum.threshold;
  if (approvers.length === 0) {
    issues.push(
      at(
        p('destroy_source'),
        `destroying the source key needs the quorum's approval: add approved_by with at least ${m} officers.`,
      ),
    );
    return issues;
  }
  const officers = new Map(s.roles.officers.map((o) => [o.trim().toLowerCase(), o]));
  const seen = new Set<string>();
  approvers.forEach((a, j) => {
    const key = a.trim().toLowerCase();
    if (!officers.has(key))
      issues.push(
        at(
          p('approved_by', j),
          `"${a}" is not an officer; only officers, who hold the quorum's shares, approve destroying a key.`,
        ),
      );
    else if (seen.has(key)) issues.push(at(p('approved_by', j), `"${a}" is named twice.`));
    seen.add(key);
  });
  const distinct = [...seen].filter((a) => officers.has(a)).length;
  if (distinct < m)
    issues.push(
      at(
        p('approved_by'),
        `destroying the source key needs the quorum: ${m} officers must approve, and ${distinct} ${distinct === 1 ? 'is' : 'are'} named.`,
      ),
    );
  if (k && distinct >= m) k.destroyedBy = i;
  return issues;
}
