// `ceremony drill DIR`, the run that drills (quorum/drill.ts is the pure share check it runs):
// every officer presents their card; the drill proves each share (not just M of them) still
// reconstructs the secret against the commitments the run recorded, with no HSM login for the
// check itself. The result is written to DIR/drills/ and, when the drilled secret opens the
// ceremony token, signed there by the audit key.
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import canonicalize from 'canonicalize';
import { openPkcs11Token } from '../hsm/open-token';
import type { TokenOpener } from '../hsm/open-token';
import { findDefaultModules } from '../hsm/vendors';
import { parsePkcs11Uri } from '../hsm/uri';
import type { Pkcs11Uri } from '../hsm/uri';
import { ErrorCode, OlocusError } from '../../shared/errors';
import { combineShares, decodeShare, drillShares, wipeShares } from './quorum/index';
import type { DrillReport, ShareEnvelope } from './quorum/index';
import { TOKEN_PINS, splitTokenPins } from './run/context';
import { exists, writeOnce } from '../audit/durable';
import type { CeremonyRoom } from './run/room';
import { loadState } from './run/state';
import type { RunState } from './run/state';
import { takeRunDirectory } from './run/run-dir';
import { parseScript } from './script/load';

export interface DrillSummary {
  dir: string;
  secretId: string;
  report: DrillReport;
  file: string;
  signed: boolean;
}

export async function drillRun(
  out: string,
  room: CeremonyRoom,
  secretId = TOKEN_PINS,
  now = new Date(),
  open: TokenOpener = openPkcs11Token,
): Promise<DrillSummary> {
  const dir = resolve(out);
  if (!(await loadState(dir)))
    throw new OlocusError(ErrorCode.INVALID_INPUT, `${dir} holds no ceremony run.`);
  // A drill writes its signed result into the run directory: one writer there at a time.
  const lock = await takeRunDirectory(dir);
  try {
    return await drillLocked(dir, room, secretId, now, open);
  } finally {
    await lock.release();
  }
}

async function drillLocked(
  dir: string,
  room: CeremonyRoom,
  secretId: string,
  now: Date,
  open: TokenOpener,
): Promise<DrillSummary> {
  const state = (await loadState(dir))!;
  const record = state.secrets[secretId];
  if (!record) {
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      `This run split no secret "${secretId}"; it split: ${Object.keys(state.secrets).join(', ') || 'none'}.`,
    );
  }
  const presented: ShareEnvelope[] = [];
  const problems: { custodian: string; reason: string }[] = [];
  try {
    for (;;) {
      const next = await room.nextShare({
        secretId,
        purpose: `the drill of "${secretId}"`,
        custodians: record.custodians,
        presented: [...presented.map((e) => e.custodian), ...problems.map((p) => p.custodian)],
        need: record.total,
      });
      if (!next) break;
      try {
        presented.push(await decodeShare(next.text, next.passphrase));
      } catch (e) {
        if (!(e instanceof OlocusError)) throw e;
        problems.push({ custodian: next.presentedBy ?? 'unknown', reason: e.message });
      }
    }
    const report = await drillShares(presented, {
      commitments: record.commitments,
      secretCommitment: record.secretCommitment,
      threshold: record.threshold,
      ceremonyId: state.ceremonyId,
      secretId,
    });
    for (const p of problems) {
      const r = report.custodians.find((c) => c.custodian === p.custodian);
      if (r && !r.ok) r.reason = `the card presented could not be read: ${p.reason}`;
    }
    const body = {
      format: 'olocus-share-drill/1',
      ceremony: state.ceremonyId,
      secret: secretId,
      at: now.toISOString(),
      report,
    };
    let signature: { algorithm: string; audit_key_sha256: string; value: string } | null = null;
    if (secretId === TOKEN_PINS && report.recoverable && state.auditKey) {
      const good = presented
        .filter((e) => report.custodians.find((c) => c.custodian === e.custodian)?.ok)
        .slice(0, record.threshold);
      signature = await signWithToken(
        dir,
        state,
        good,
        record.secretCommitment,
        state.auditKey,
        Buffer.from(canonicalize(body)!, 'utf8'),
        open,
      );
    }
    const file = `drills/${now.toISOString().replace(/[:.]/g, '-')}-${secretId.replace(/[^a-z0-9-]+/gi, '_')}.json`;
    await writeOnce(join(dir, file), `${JSON.stringify({ ...body, signature }, null, 2)}\n`);
    return { dir, secretId, report, file, signed: signature !== null };
  } finally {
    wipeShares(presented);
  }
}

async function signWithToken(
  dir: string,
  state: RunState,
  shares: ShareEnvelope[],
  secretCommitment: { salt: string; digest: string },
  auditKey: { label: string; spkiSha256: string },
  data: Uint8Array,
  open: TokenOpener,
): Promise<{ algorithm: string; audit_key_sha256: string; value: string }> {
  // The token the run recorded (a config may have named it); older runs name it in the script.
  const uri: Pkcs11Uri = state.hsm
    ? {
        modulePath: state.hsm.modulePath,
        token: state.hsm.tokenLabel,
        ...(state.hsm.initArgs !== undefined ? { initArgs: state.hsm.initArgs } : {}),
        ...(state.hsm.serial !== undefined ? { serial: state.hsm.serial } : {}),
      }
    : parsePkcs11Uri(
        parseScript(await readFile(join(dir, 'script.yaml'), 'utf8'), join(dir, 'script.yaml')).hsm
          .uri,
      );
  const mode = state.mode;
  const throwaway = join(dir, 'softhsm', 'softhsm2.conf');
  if (mode !== 'run' && (await exists(throwaway))) process.env.SOFTHSM2_CONF = throwaway;
  const modulePath =
    mode !== 'run'
      ? (findDefaultModules().find((m) => m.vendor === 'softhsm')?.path ?? uri.modulePath)
      : uri.modulePath;
  if (!modulePath || !uri.token)
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      "The run's script does not say which token signed it.",
    );
  const secret = await combineShares(shares, { secretCommitment });
  let pins: ReturnType<typeof splitTokenPins>;
  try {
    pins = secret.use(splitTokenPins);
  } finally {
    secret.dispose();
  }
  const { soPin, userPin } = pins;
  soPin.dispose();
  const hsm = await open({
    modulePath,
    ...(uri.initArgs !== undefined ? { initArgs: uri.initArgs } : {}),
    token: { token: uri.token, ...(uri.serial !== undefined ? { serial: uri.serial } : {}) },
  });
  try {
    await hsm.login(userPin.copy()); // zeroed by login
    const sig = await hsm.sign({ label: auditKey.label, class: 'private' }, data, 'ecdsa-sha256');
    await hsm.logout();
    return {
      algorithm: 'ecdsa-p256-sha256',
      audit_key_sha256: auditKey.spkiSha256,
      value: Buffer.from(sig.signature).toString('base64'),
    };
  } finally {
    userPin.dispose();
    await hsm.close();
  }
}
