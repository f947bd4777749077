// HSM groups for the service: `group:NAME/LABEL` against the config's cluster section, or a
// single key URI as a group of one, and sign-batch over either.
import {
  HsmGroup,
  defaultAlgorithm,
  inputsFromDir,
  inputsFromList,
  openMemberProcess,
  signBatch,
} from '../cluster/index';
import type { BatchLimits, BatchProgress, BatchResult, GroupLedger } from '../cluster/index';
import type { HsmConfig } from '../config/index';
import { openPkcs11 } from '../hsm/open';
import type { OpenPkcs11Options } from '../hsm/open';
import type { SignAlgorithm } from '../hsm/types';
import { verifyWithSpki } from '../hsm/software-verify';
import { formatPkcs11Uri } from '../hsm/uri';
import { ErrorCode, OlocusError } from '../../shared/errors';
import type { LedgerEventType } from '../audit/events';
import { TransferLedger } from '../transfer/standalone-ledger';
import type { TransferLedgerSummary } from '../transfer/standalone-ledger';
import { parsePkcs11Address } from './connections';
import type { UriOpener } from './connections';
import type { GroupStatus, SignOutput, VerifyOutput } from './types';

const invalid = (message: string) => new OlocusError(ErrorCode.INVALID_INPUT, message);

export const GROUP_ADDRESS = /^group:([A-Za-z0-9._-]{1,64})\/(.+)$/;

export interface SignBatchRequest {
  key: string;
  /** A file list (one path a line, optionally `SHA256  path`), or `dir`. */
  list?: string;
  dir?: string;
  outDir: string;
  limits?: Partial<BatchLimits>;
  algorithm?: SignAlgorithm;
  onProgress?: (p: BatchProgress) => void;
  /** A hash-chained ledger (created, or appended to when it verifies) for group and batch events. */
  ledgerPath?: string;
  actor?: string;
}

export type SignBatchResult = BatchResult & { ledger?: TransferLedgerSummary };

export class Groups {
  /** Groups opened for sign/verify by address, kept open for the life of the service. */
  private readonly shared = new Map<string, Promise<HsmGroup>>();

  constructor(
    /** The config in force now (one chosen later in the app replaces the startup one). */
    private readonly configNow: () => HsmConfig | undefined,
    private readonly options: Omit<OpenPkcs11Options, 'login'>,
    private readonly openUri: UriOpener = openPkcs11,
    /** `text` as a key URI string, the config's token when it is a bare label. */
    private readonly resolveKey: (text: string) => string = (t) => t,
  ) {}

  private readonly openMember = (address: string) =>
    this.openUri(parsePkcs11Address(address), { ...this.options, login: 'always' });

  /** A member in a process of its own: the PIN is read here and sent over the pipe. */
  private readonly openMemberHost = (address: string) =>
    openMemberProcess(address, {
      login: 'always',
      ...(this.options.readPin ? { readPin: this.options.readPin } : {}),
    });

  /** Opens the group a key address names, proving every member holds the key. */
  async open(key: string, ledger?: GroupLedger): Promise<HsmGroup> {
    const m = GROUP_ADDRESS.exec(key);
    if (m) {
      const [, name, label] = m as unknown as [string, string, string];
      const c = this.configNow()?.cluster;
      if (!c) {
        throw invalid(
          `${key} names an HSM group, and no config with a cluster: section was given; pass --config FILE.`,
        );
      }
      if (c.name !== name) {
        throw invalid(`The config names the HSM group "${c.name}", not "${name}".`);
      }
      return HsmGroup.open({
        name,
        members: [c.primary, ...c.backups],
        keyLabel: label,
        open: c.member_host === 'process' ? this.openMemberHost : this.openMember,
        policy: c.failover_policy,
        threshold: c.failover_threshold,
        healthCheckIntervalMs: c.health_check_interval,
        strategy: c.strategy,
        ...(ledger ? { ledger } : {}),
      });
    }
    // One key URI: a group of one member, so batch signing works the same on a single token.
    const uri = parsePkcs11Address(this.resolveKey(key));
    if (uri.object === undefined) {
      throw invalid('The key URI must name the key by its label (object=).');
    }
    const { object, id: _id, type: _type, ...token } = uri;
    return HsmGroup.open({
      name: uri.token ?? 'token',
      members: [formatPkcs11Uri(token)],
      keyLabel: object,
      open: this.openMember,
      strategy: 'primary-only',
      ...(ledger ? { ledger } : {}),
    });
  }

  /** The group of a `group:NAME/LABEL` address, opened once and kept for later requests. */
  get(key: string): Promise<HsmGroup> {
    let g = this.shared.get(key);
    if (!g) {
      g = this.open(key);
      this.shared.set(key, g);
      g.catch(() => this.shared.delete(key));
    }
    return g;
  }

  /** A group's members: state, last check, last error, share of the work (`check`: probe first). */
  async status(key: string, check = false): Promise<GroupStatus> {
    if (!GROUP_ADDRESS.test(key)) throw invalid('A group is addressed as group:NAME/LABEL.');
    const g = await this.get(key);
    if (check) await g.checkNow();
    return {
      group: g.name,
      key: g.keyLabel,
      fingerprint: { kind: g.fingerprint.kind, value: g.fingerprint.value },
      policy: g.policy,
      strategy: g.strategy,
      threshold: g.threshold,
      members: g
        .report()
        .map(({ address: _address, share, ...m }) => ({ ...m, fractionOfWork: share })),
    };
  }

  /** group:NAME/LABEL: one healthy member signs; a failing one hands the request on. */
  async sign(key: string, data: Uint8Array, algorithm?: SignAlgorithm): Promise<SignOutput> {
    const r = await (await this.get(key)).sign(data, algorithm);
    return {
      signature: Buffer.from(r.signature).toString('base64'),
      algorithm: r.algorithm,
      mechanism: r.mechanism,
      hashedInSoftware: r.hashedInSoftware,
      member: r.member,
    };
  }

  /** The group's public key, proved the same on every member, checks it in software. */
  async verify(
    key: string,
    data: Uint8Array,
    signature: Uint8Array,
    algorithm?: SignAlgorithm,
  ): Promise<VerifyOutput> {
    const spki = (await this.get(key)).fingerprint.spki;
    if (!spki) throw invalid('Verifying needs a key pair, and the group key is a secret key.');
    let valid = false;
    try {
      valid = verifyWithSpki(spki, algorithm ?? defaultAlgorithm(spki), data, signature);
    } catch {
      valid = false; // a malformed signature is simply not valid
    }
    return { valid };
  }

  async close(): Promise<void> {
    const all = [...this.shared.values()];
    this.shared.clear();
    await Promise.all(all.map(async (g) => (await g.catch(() => null))?.close()));
  }

  limits(given: Partial<BatchLimits> = {}): BatchLimits {
    const b = this.configNow()?.cluster?.batch;
    return {
      maxBatchSize: given.maxBatchSize ?? b?.max_batch_size ?? 50,
      maxWaitTimeMs: given.maxWaitTimeMs ?? b?.max_wait_time ?? 100,
      maxConcurrentBatches: given.maxConcurrentBatches ?? b?.max_concurrent_batches ?? 5,
    };
  }

  async signBatch(r: SignBatchRequest): Promise<SignBatchResult> {
    if ((r.list === undefined) === (r.dir === undefined)) {
      throw invalid('Give either a file list or an input directory, not both and not neither.');
    }
    // Inputs are checked before any HSM is opened: a bad list costs nothing.
    const inputs = r.list !== undefined ? inputsFromList(r.list) : inputsFromDir(r.dir!);
    const tl = r.ledgerPath
      ? await TransferLedger.open(r.ledgerPath, {
          actor: r.actor ?? 'olocus-ceremony',
          command: 'sign-batch',
        })
      : null;
    const ledger: GroupLedger | undefined = tl
      ? {
          append: (i) => {
            const sink = tl.audit;
            return 'event' in sink
              ? sink.event(i.type as LedgerEventType, i.data ?? {})
              : sink.ledger.append({ ...i, actor: sink.actor });
          },
        }
      : undefined;
    try {
      const group = await this.open(r.key, ledger);
      try {
        await ledger?.append({
          actor: '',
          step: null,
          type: 'batch.started',
          data: {
            group: group.name,
            key: group.keyLabel,
            fingerprint: group.fingerprint.value,
            files: inputs.length,
            out_dir: r.outDir,
          },
        });
        const result = await signBatch({
          group,
          inputs,
          outDir: r.outDir,
          limits: this.limits(r.limits),
          ...(r.algorithm ? { algorithm: r.algorithm } : {}),
          ...(r.onProgress ? { onProgress: r.onProgress } : {}),
        }).catch(async (e: unknown) => {
          await group.flushEvents();
          await ledger?.append({
            actor: '',
            step: null,
            type: 'batch.stopped',
            data: { group: group.name, reason: e instanceof Error ? e.message : String(e) },
          });
          throw e;
        });
        await group.flushEvents();
        await ledger?.append({
          actor: '',
          step: null,
          type: 'batch.finished',
          data: {
            group: group.name,
            signed: result.signed,
            skipped: result.kept,
            manifest_sha256: result.manifestSha256,
            signed_by_member: Object.fromEntries(result.members.map((m) => [m.name, m.signed])),
          },
        });
        return tl ? { ...result, ledger: await tl.close() } : result;
      } finally {
        await group.close();
      }
    } finally {
      if (tl) await tl.close().catch(() => undefined);
    }
  }
}
