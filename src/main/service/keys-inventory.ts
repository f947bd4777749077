// The Keys screen's view of a token: every key family the signed inventory records, each version
// with its state, dates and provenance verdict, and what is due; plus the quorum approval of a
// destruction from shares typed into the window (handed over once, never kept).
import type { AttestationVerdict } from '../attestation/index';
import type { CeremonyRoom, PresentedShare, ShareRequest } from '../ceremony/run/room';
import { formatPkcs11Uri } from '../hsm/uri';
import type { DueItem, DueReport, VersionView } from '../lifecycle/index';
import { ON_TOKEN } from '../lifecycle/index';
import { ErrorCode, OlocusError } from '../../shared/errors';
import { Secret } from '../../shared/secret';
import type { LifecycleOperations, LifecycleRecording } from './lifecycle';

export interface VersionWithVerdict extends VersionView {
  /** The URI of this version on the token asked about (module, token, pin-source kept). */
  uri: string | null;
  /** PKCS#11 provenance of the version on the token; null once it is gone. */
  attestation: {
    overall: 'pass' | 'fail' | 'unknown';
    /** The first check that did not pass, in its own words; null when all passed. */
    detail: string | null;
  } | null;
}

export interface KeyFamilyView {
  family: string;
  policy: {
    rotationIntervalDays: number;
    overlapDays: number;
    maxVersions: number;
    notificationAdvanceDays: number;
  };
  versions: VersionWithVerdict[];
  due: DueItem[];
}

export interface KeyInventoryView {
  token: { serial: string; uri: string };
  inventory: string;
  now: string;
  families: KeyFamilyView[];
  due: DueReport;
}

const DAY = 86_400_000;

type Attest = (keyUri: string) => Promise<AttestationVerdict>;

function verdictOf(v: AttestationVerdict): VersionWithVerdict['attestation'] {
  const bad = v.checks.find((c) => c.status !== 'pass');
  return { overall: v.overall, detail: bad ? `${bad.name}: ${bad.evidence}` : null };
}

/** Every family on the token `hsmUri` names (the config's token when undefined). */
export async function keyInventory(
  lifecycle: LifecycleOperations,
  attest: Attest,
  hsmUri: string | undefined,
  opts: { inventory?: string } = {},
): Promise<KeyInventoryView> {
  const listed = await lifecycle.families(hsmUri, opts);
  const families: KeyFamilyView[] = [];
  for (const name of listed.families) {
    const view = await lifecycle.versions(formatPkcs11Uri({ ...listed.tokenUri, object: name }), {
      inventory: listed.inventory,
    });
    const versions: VersionWithVerdict[] = [];
    for (const v of view.versions) {
      const uri = ON_TOKEN.has(v.state) ? lifecycle.versionUri(listed.tokenUri, v.label) : null;
      // A verdict that cannot be had (an object another tool removed) says so rather than hiding the family.
      const attestation = uri
        ? await attest(uri).then(verdictOf, (e: unknown) => ({
            overall: 'unknown' as const,
            detail: e instanceof Error ? e.message : String(e),
          }))
        : null;
      versions.push({ ...v, uri, attestation });
    }
    families.push({
      family: view.family,
      policy: {
        rotationIntervalDays: view.policy.rotationIntervalMs / DAY,
        overlapDays: view.policy.overlapPeriodMs / DAY,
        maxVersions: view.policy.maxVersions,
        notificationAdvanceDays: view.policy.notificationAdvanceMs / DAY,
      },
      versions,
      due: view.due,
    });
  }
  const due = await lifecycle.due(hsmUri, { inventory: listed.inventory });
  return {
    token: {
      serial: listed.serial,
      uri: formatPkcs11Uri({ ...listed.tokenUri, object: undefined }),
    },
    inventory: listed.inventory,
    now: due.now,
    families,
    due,
  };
}

export interface TypedShare {
  text: string;
  presentedBy?: string;
  passphrase?: string;
}

/**
 * A room holding the shares typed into the window for one approval: each is handed to the quorum
 * check once, as a Secret the check disposes; whatever was not asked for is disposed by close().
 */
export class TypedSharesRoom implements CeremonyRoom {
  private readonly pending: { text: Secret; presentedBy?: string; passphrase: Secret | null }[];
  /** Everything handed out, disposed again at close (a share's text is disposed by the check). */
  private readonly handed: Secret[] = [];

  constructor(shares: readonly TypedShare[]) {
    this.pending = shares.map((s) => ({
      text: Secret.fromText(s.text),
      ...(s.presentedBy !== undefined ? { presentedBy: s.presentedBy } : {}),
      passphrase: s.passphrase ? Secret.fromText(s.passphrase.normalize('NFC')) : null,
    }));
  }

  /** Why shares were refused, each naming its officer, as the quorum check said. */
  readonly refusals: string[] = [];

  async nextShare(req: ShareRequest): Promise<PresentedShare | null> {
    if (req.refused && !this.refusals.includes(req.refused)) this.refusals.push(req.refused);
    const i = this.pending.findIndex(
      (s) => s.presentedBy === undefined || !req.presented.includes(s.presentedBy),
    );
    if (i < 0) return null;
    const [s] = this.pending.splice(i, 1);
    const pass = s!.passphrase;
    this.handed.push(s!.text, ...(pass ? [pass] : []));
    return {
      text: s!.text,
      ...(s!.presentedBy !== undefined ? { presentedBy: s!.presentedBy } : {}),
      passphrase: async () => {
        if (!pass)
          throw new OlocusError(
            ErrorCode.INVALID_INPUT,
            'This share is sealed with a passphrase and none was typed; it was not accepted.',
          );
        return pass;
      },
    };
  }

  async witness(): Promise<null> {
    return null;
  }

  async sharesIssued(): Promise<void> {}

  announce(): void {}

  close(): void {
    for (const s of this.pending.splice(0))
      this.handed.push(s.text, ...(s.passphrase ? [s.passphrase] : []));
    for (const secret of this.handed.splice(0)) secret.dispose();
  }
}

/** Schedules a version's destruction approved by shares typed into the window, disposed after. */
export async function scheduleDestroyWithShares(
  lifecycle: LifecycleOperations,
  keyUri: string,
  runDir: string,
  shares: readonly TypedShare[],
  opts: LifecycleRecording & { delayMs?: number } = {},
) {
  const room = new TypedSharesRoom(shares);
  try {
    return await lifecycle.scheduleDestroy(keyUri, runDir, room, opts);
  } catch (e) {
    // The window shows one sentence: say which typed shares were refused and why.
    if (e instanceof OlocusError && room.refusals.length > 0)
      throw new OlocusError(e.code, `${e.message} ${room.refusals.join(' ')}`, { cause: e });
    throw e;
  } finally {
    room.close();
  }
}
