// Contract channel → CeremonyService call. Thin on purpose: requests arrive parsed, results
// leave through the response schema (register.ts); this only maps names and starts runs.
import type { CeremonyService } from '../service/ceremony-service';
import { LEDGER_EVENT_TYPES } from '../service/audit-query';
import { summarizeRecord } from '../service/ledger-page';
import { runWithWords, spkiWordsOf, withSpkiWords } from '../service/fingerprint-words';
import { openInRunDir } from './open-path';
import type { FileOpener } from './open-path';
import type { Handlers } from './register';
import type { RunManager } from '../service/run-manager';
import { BatchJobs } from '../service/batch-jobs';
import { Secret } from '../../shared/secret';

/** The service methods the wizard uses; tests pass a fake with the same shape. */
export type ServiceApi = Pick<
  CeremonyService,
  | 'tokens'
  | 'listKeys'
  | 'generateKey'
  | 'checkConfig'
  | 'validateScript'
  | 'verifyAudit'
  | 'runCeremony'
  | 'rehearse'
  | 'demo'
  | 'drill'
  | 'appInfo'
  | 'recentRuns'
  | 'readLedger'
  | 'hsmHealth'
  | 'migrate'
  | 'attestKey'
  | 'verifyReport'
  | 'verifyManifest'
  | 'cloudInventory'
  | 'useConfig'
  | 'activeConfig'
  | 'queryAudit'
  | 'groupStatus'
  | 'liveHealth'
  | 'signBatch'
  | 'keyInventory'
  | 'keysDue'
  | 'disableKeyVersion'
  | 'scheduleKeyDestroy'
>;

/** Drops the optional fields a request left out, so `undefined` never reaches the service. */
function given<T extends Record<string, unknown>>(
  o: T,
): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}

export interface HandlerOptions {
  /** How openPath opens a file; without one, it answers where the file is instead. */
  files?: FileOpener;
}

const DAY = 86_400_000;

const NO_DESKTOP: FileOpener = { cannotOpen: 'this window cannot open files' };

export function createHandlers(
  service: ServiceApi,
  runs: RunManager,
  options: HandlerOptions = {},
): Handlers {
  const batches = new BatchJobs((r) => service.signBatch(r), runs.emit);
  return {
    tokens: (r) =>
      service.tokens(r.hsmUri, r.mechanisms !== undefined ? { mechanisms: r.mechanisms } : {}),
    listKeys: async (r) => {
      const listed = await service.listKeys(r.hsmUri);
      return { ...listed, keys: withSpkiWords(listed.keys) };
    },
    generateKey: async (r) => {
      const g = await service.generateKey(
        r.hsmUri,
        r.type,
        r.label,
        r.extractable !== undefined ? { extractable: r.extractable } : {},
      );
      const spkiWords = spkiWordsOf(g.key.spkiSha256);
      return { ...g, key: { ...g.key, spkiWords }, spkiWords };
    },
    checkConfig: (r) => service.checkConfig(r.path),
    validateScript: (r) => service.validateScript(r.path),
    verifyAudit: (r) =>
      service.verifyAudit(r.path, {
        ...(r.expectedHead !== undefined ? { expectedHead: r.expectedHead } : {}),
        ...(r.expectedKeyFingerprint !== undefined
          ? { expectedKeyFingerprint: r.expectedKeyFingerprint }
          : {}),
      }),

    startCeremony: async (r) =>
      runs.start('ceremony', r.dir, async ({ room }) =>
        runWithWords(
          await service.runCeremony(
            r.scriptPath,
            r.dir,
            room,
            r.expect !== undefined ? { expect: r.expect } : {},
          ),
        ),
      ),
    startRehearsal: async (r) =>
      runs.start('rehearsal', r.dir, async ({ onEvent }) => {
        const { playedShares, ...rest } = await service.rehearse(r.scriptPath, r.dir, onEvent);
        return runWithWords({ ...rest, playedSharesPath: playedShares });
      }),
    startDemo: async (r) =>
      runs.start('demo', r.dir, async ({ onEvent }) => {
        const { playedShares, demoSecrets, ...rest } = await service.demo(r.dir, onEvent);
        return runWithWords({
          ...rest,
          playedSharesPath: playedShares,
          demoSecretsPath: demoSecrets,
        });
      }),
    startDrill: async (r) =>
      runs.start('drill', null, ({ room }) => service.drill(r.dir, room, r.secretId)),
    runStatus: async (r) => runs.status(r.runId),
    cancelRun: async (r) => runs.cancel(r.runId),

    // Secrets leave the IPC payload's strings here: the engine sees only Secrets, which it
    // disposes once read; an answer nobody waited for disposes its own at once.
    presentShare: async (r) => {
      const text = r.share ? Secret.fromText(r.share.text) : null;
      try {
        return runs.answer(r.requestId, {
          ask: 'share',
          share: r.share && text ? { presentedBy: r.share.presentedBy, text } : null,
        });
      } catch (e) {
        text?.dispose();
        throw e;
      }
    },
    signOff: async (r) => runs.answer(r.requestId, { ask: 'witness', name: r.name }),
    givePassphrase: async (r) => {
      const passphrase =
        r.passphrase === null ? null : Secret.fromText(r.passphrase.normalize('NFC'));
      try {
        return runs.answer(r.requestId, { ask: 'passphrase', passphrase });
      } catch (e) {
        passphrase?.dispose();
        throw e;
      }
    },

    printCard: (r) => runs.printCard(r.requestId),
    confirmCardReceipt: async (r) =>
      runs.answer(r.requestId, { ask: 'card', receivedBy: r.receivedBy }),

    appInfo: () => service.appInfo(),
    recentRuns: async (r) => {
      const listed = await service.recentRuns(r.root);
      for (const run of listed.runs) runs.rememberDir(run.dir);
      return listed;
    },
    readLedger: (r) =>
      service.readLedger(r.path, given({ fromSeq: r.fromSeq, limit: r.limit, fromEnd: r.fromEnd })),
    hsmHealth: (r) => service.hsmHealth(r.hsmUri),
    groupStatus: (r) => service.groupStatus(r.key, r.check ?? false),
    liveHealth: (r) => service.liveHealth(given(r)),
    signBatchStart: async (r) => batches.start(r),
    signBatchStatus: async (r) => batches.status(r.batchId),
    migrateKey: (r) =>
      service.migrate(
        r.fromUri,
        r.toUri,
        given({ wrap: r.wrap, kekLabel: r.kekLabel, destroySource: r.destroySource }),
      ),
    attestKey: (r) =>
      service.attestKey(
        r.keyUri,
        given({ acceptImported: r.acceptImported, expectedSpkiSha256: r.expectedSpkiSha256 }),
      ),
    verifyReport: (r) => service.verifyReport(r.path),
    verifyManifest: (r) => service.verifyManifest(r.dir),
    cloudInventory: (r) =>
      service.cloudInventory({
        provider: r.provider,
        address: r.address,
        ...given({ endpoint: r.endpoint }),
      }),
    useConfig: (r) =>
      service.useConfig(
        r.path !== undefined ? { path: r.path } : { text: r.text!, ...given({ name: r.name }) },
      ),
    activeConfig: async () => service.activeConfig(),
    queryAudit: async (r) => {
      const { records, ...rest } = await service.queryAudit(
        r.path,
        given({ since: r.since, until: r.until, types: r.types, key: r.key }),
        given({ limit: r.limit }),
      );
      return {
        ...rest,
        records: records.map((x) => ({
          seq: x.seq,
          time: x.time,
          actor: x.actor,
          step: x.step,
          type: x.type,
          hash: x.hash,
          summary: summarizeRecord(x),
        })),
        knownTypes: [...LEDGER_EVENT_TYPES],
      };
    },
    keyInventory: (r) => service.keyInventory(r.hsmUri, given({ inventory: r.inventory })),
    keysDue: (r) =>
      service.keysDue(
        r.hsmUri,
        given({
          inventory: r.inventory,
          withinMs: r.withinDays === undefined ? undefined : r.withinDays * DAY,
        }),
      ),
    disableKeyVersion: (r) =>
      service.disableKeyVersion(
        r.keyUri,
        given({ inventory: r.inventory, ledger: r.ledger, reason: r.reason }),
      ),
    scheduleKeyDestroy: (r) =>
      service.scheduleKeyDestroy(
        r.keyUri,
        r.runDir,
        r.shares.map((s) => given(s) as { text: string }),
        given({
          inventory: r.inventory,
          ledger: r.ledger,
          delayMs: r.delayDays === undefined ? undefined : r.delayDays * DAY,
        }),
      ),
    openPath: (r) => openInRunDir(r.path, runs.knownDirs(), options.files ?? NO_DESKTOP),
  };
}
