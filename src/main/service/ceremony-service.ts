// The facade: every operation the product offers, for the Electron IPC, the CLI and the test
// bridge alike. It prints nothing and returns plain objects; advice goes to `onWarning`.
import { createHash } from 'node:crypto';
import type { AttestationVerdict } from '../attestation/index';
import { Attestations } from './attestations';
import type { AttestKeyOptions, MarvellFiles, YubiHsmFiles } from './attestations';
import { parseAuditFilter, queryLedger } from '../audit/index';
import type { AuditQueryInput, AuditQueryResult } from '../audit/index';
import { ledgerFileOf } from './audit-query';
import { migrateKey } from '../transfer/index';
import type { MigrationResult, TransferAudit } from '../transfer/index';
import {
  verifyAuditTarget,
  verifyManifest,
  verifyReport,
  type AuditTargetOptions,
  type AuditVerification,
  type ReportVerifyOptions,
} from '../report/index';
import { runReporting } from '../report/run-reporting';
import type { ManifestVerification, ReportVerification } from '../report/index';
import { runDemo } from '../ceremony/demo';
import { drillRun } from '../ceremony/drill-run';
import type { DrillSummary } from '../ceremony/drill-run';
import type { DemoSummary } from '../ceremony/demo';
import type { CeremonyRoom, RoomEvent } from '../ceremony/run/room';
import { runCeremony } from '../ceremony/run/engine';
import type { RunSummary } from '../ceremony/run/finish';
import { parseTranscript } from '../ceremony/run/transcript';
import { runOnThrowawayToken } from '../ceremony/throwaway';
import type { ThrowawaySummary } from '../ceremony/throwaway';
import { readTextFile } from '../config/yaml-file';
import { resolve } from 'node:path';
import { loadScript } from '../ceremony/script/load';
import { formatPlan, planScript } from '../ceremony/script/plan';
import { addressWithConfig, loadHsmConfig } from '../config/index';
import type { HsmConfig } from '../config/index';
import { ConfigInForce, checkResult } from './config-in-force';
import type { ConfigInput } from './config-in-force';
import { ErrorCode, OlocusError } from '../../shared/errors';
import { keySelectorFromUri, openPkcs11, tokenMatchFromUri } from '../hsm/open';
import type { OpenPkcs11Options } from '../hsm/open';
import { KEY_TYPES } from '../hsm/types';
import type { KeyInfo, KeyType, SignAlgorithm } from '../hsm/types';
import { formatPkcs11Uri, parsePkcs11Uri } from '../hsm/uri';
import type { Pkcs11Uri } from '../hsm/uri';
import { Connections, parsePkcs11Address } from './connections';
import { GROUP_ADDRESS, Groups } from './groups';
import { defaultAlgorithm } from '../cluster/index';
import { verifyWithSpki } from '../hsm/software-verify';
import type { SignBatchRequest, SignBatchResult } from './groups';
import type { HsmGroup } from '../cluster/index';
import type { GroupStatus } from './types';
import type { UriOpener } from './connections';
import { discoverTokens, tokenHealth } from './discovery';
import { AwsOperations } from './aws';
import { AzureOperations } from './azure';
import { GcpOperations } from './gcp';
import { cloudInventory } from './cloud-inventory';
import { LifecycleOperations } from './lifecycle';
import type { LifecycleRecording } from './lifecycle';
import { keyInventory, scheduleDestroyWithShares } from './keys-inventory';
import type { KeyInventoryView, TypedShare } from './keys-inventory';
import type { CloudInventory, CloudInventoryRequest } from '../../shared/contract-cloud';
import { appInfo, workspaceDir } from './app-info';
import { monitoredOpener, startMonitoring } from './monitoring';
import type { MonitorOptions } from './monitoring';
import type { Monitor } from '../monitoring/index';
import type { AppInfo } from './app-info';
import { readLedgerPage } from './ledger-page';
import type { LedgerPage } from './ledger-page';
import { recentRuns } from './runs-index';
import type { RecentRuns } from './runs-index';
import type {
  ActiveConfig,
  ConfigCheckResult,
  HsmHealth,
  GeneratedKey,
  KeysResult,
  ScriptCheckResult,
  SignOutput,
  TokensResult,
  VerifyOutput,
} from './types';

export type CeremonyServiceOptions = Omit<OpenPkcs11Options, 'login'> & {
  /**
   * A loaded hsm-config.yaml: its pool and retry settings apply to every token the process
   * opens (ceremonies too), and its hsm.pkcs11 token is the one meant when no URI is given.
   */
  config?: HsmConfig;
  /** Where `config` was read from, to show which config is in force. */
  configFile?: string;
  /**
   * How the service opens a token a URI names (PKCS#11 directly by default). Whoever builds the
   * service may hand another: a test's provider that fails on demand, later an HSM group.
   */
  openToken?: UriOpener;
  /**
   * Times and counts every operation on the tokens this service opens, and adds them to the
   * monitor's probes (the operations side embedding the service). Absent, as in the desktop
   * app: nothing is measured and no monitor runs.
   */
  monitor?: Monitor;
  /** The clock of key lifecycle decisions (dates on tokens, what is due); tests fix it. */
  now?: () => Date;
  /** The signed key inventory when a call names none (default: keys/<serial>.json in the workspace). */
  keyInventory?: string;
};

const invalid = (message: string) => new OlocusError(ErrorCode.INVALID_INPUT, message);

/** A key's own URI (token, object, type, id) plus the module, token match and pin-source asked with. */
export function usableKeyUri(keyUri: string, asked: Pkcs11Uri): string {
  const key = parsePkcs11Uri(keyUri);
  return formatPkcs11Uri({
    ...tokenMatchFromUri(asked),
    ...key,
    ...(asked.modulePath !== undefined ? { modulePath: asked.modulePath } : {}),
    ...(asked.moduleName !== undefined ? { moduleName: asked.moduleName } : {}),
    ...(asked.initArgs !== undefined ? { initArgs: asked.initArgs } : {}),
    ...(asked.pinSource !== undefined ? { pinSource: asked.pinSource } : {}),
  });
}

function isKeyType(t: string): t is KeyType {
  return (KEY_TYPES as readonly string[]).includes(t);
}

export class CeremonyService {
  private readonly connections: Connections;
  /** Azure Key Vault / Managed HSM. */
  readonly azure: AzureOperations;
  /** Google Cloud KMS / Cloud HSM. */
  readonly gcp: GcpOperations;
  /** AWS CloudHSM clusters (keys on CloudHSM go through its PKCS#11 library). */
  readonly aws: AwsOperations;
  /** Key families on PKCS#11 tokens: rotation, versions, retirement, encrypt/decrypt. */
  readonly lifecycle: LifecycleOperations;
  private readonly attestations: Attestations;
  private readonly options: Omit<OpenPkcs11Options, 'login'>;
  /** The token the config names; undefined without a config (or for a cloud provider). */
  private readonly config: ConfigInForce;
  private readonly groups: Groups;

  constructor({
    config,
    configFile,
    openToken,
    monitor,
    now,
    keyInventory,
    ...options
  }: CeremonyServiceOptions = {}) {
    // The config's pool reaches providers through the process settings (a caller's own pool
    // options still win there), so a config chosen later replaces it for what opens next.
    this.options = options;
    this.config = new ConfigInForce(options.pool);
    if (config) this.config.apply(config, 'startup', configFile ?? null);
    this.connections = new Connections(
      options,
      monitor ? monitoredOpener(openToken ?? openPkcs11, monitor) : openToken,
    );
    this.azure = new AzureOperations(this.connections);
    this.gcp = new GcpOperations(this.connections);
    this.aws = new AwsOperations(this.connections);
    this.lifecycle = new LifecycleOperations(
      this.connections,
      (text, what) => this.resolve(text, what),
      () => this.config.config?.hsm.keys,
      now ?? (() => new Date()),
      keyInventory,
    );
    this.attestations = new Attestations(this.connections, this);
    this.groups = new Groups(
      () => this.config.config,
      options,
      openToken,
      (t) => this.resolve(t, 'key'),
    );
  }

  /**
   * The HSM group a key address names (`group:NAME/LABEL` from the config's cluster section, or
   * a key URI as a group of one), every member proved to hold the same key. The caller closes it.
   */
  openGroup(key: string): Promise<HsmGroup> {
    return this.groups.open(key);
  }

  /** A group's members: state, last check, last error, share of the work (`check`: probe first). */
  async groupStatus(key: string, check = false): Promise<GroupStatus> {
    if (!GROUP_ADDRESS.test(key)) throw invalid('A group is addressed as group:NAME/LABEL.');
    const g = await this.groups.get(key);
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

  /** Signs every file of a list or directory through a group; resumes an interrupted batch. */
  signBatch(request: SignBatchRequest): Promise<SignBatchResult> {
    return this.groups.signBatch(request);
  }

  /** `text` as a URI string: itself when it has a scheme, else the config's token (object=text). */
  private resolve(text: string | undefined, what: string): string {
    const r = addressWithConfig(text, this.config.uri, what);
    return r.uri ? formatPkcs11Uri(r.uri) : r.text!;
  }

  /**
   * Tokens of the module the URI names, or of every registered module when it names none; the
   * URI's token attributes, when given, filter the list and must match at least one token.
   */
  tokens(hsmUri: string | undefined, opts: { mechanisms?: boolean } = {}): Promise<TokensResult> {
    const uri = hsmUri ?? (this.config.uri ? this.resolve(undefined, 'token URI') : 'pkcs11:');
    return discoverTokens(uri, this.options, opts.mechanisms ?? false);
  }

  /** Keys on the token; logs in when the URI has a pin-source, else lists public objects only. */
  async listKeys(hsmUri?: string): Promise<KeysResult> {
    const uri = parsePkcs11Address(this.resolve(hsmUri, 'token URI'));
    const { provider, loggedIn } = await this.connections.get(uri, 'auto');
    const t = await provider.tokenInfo();
    const keys = await provider.listKeys(keySelectorFromUri(uri));
    return {
      token: {
        label: t.label,
        serial: t.serial,
        manufacturer: t.manufacturer,
        model: t.model,
        slotId: t.slotId,
      },
      loggedIn,
      keys: keys.map((k) => ({ ...k, uri: usableKeyUri(k.uri, uri) })),
    };
  }

  async generateKey(
    hsmUri: string | undefined,
    type: string,
    label: string,
    opts: { extractable?: boolean; usage?: string[] } = {},
  ): Promise<GeneratedKey> {
    const uri = parsePkcs11Address(this.resolve(hsmUri, 'token URI'));
    if (!isKeyType(type)) {
      throw invalid(`Unknown key type "${type}"; choose one of ${KEY_TYPES.join(', ')}.`);
    }
    if (label === '') throw invalid('A new key needs a label.');
    if (uri.object !== undefined || uri.id !== undefined || uri.type !== undefined) {
      throw invalid(
        'The URI for a new key must name only the token (no object=, id= or type=); the label is given separately.',
      );
    }
    const usage = opts.usage?.map((u) => {
      if (u !== 'sign' && u !== 'encrypt' && u !== 'wrap')
        throw invalid(`Unknown key usage "${u}"; choose from sign, encrypt, wrap.`);
      return u;
    });
    const { provider } = await this.connections.get(uri, 'always');
    const key: KeyInfo = await provider.generateKey(type, {
      label,
      extractable: opts.extractable ?? false,
      ...(usage ? { usage } : {}),
    });
    const withUri = { ...key, uri: usableKeyUri(key.uri, uri) };
    return {
      key: withUri,
      uri: withUri.uri,
      fingerprint: key.spkiSha256
        ? { kind: 'spki-sha256', value: key.spkiSha256 }
        : key.kcv
          ? { kind: 'kcv', value: key.kcv }
          : null,
    };
  }

  async sign(keyUri: string, data: Uint8Array, algorithm?: SignAlgorithm): Promise<SignOutput> {
    if (GROUP_ADDRESS.test(keyUri)) {
      // group:NAME/LABEL: one healthy member signs; a failing one hands the request on.
      const r = await (await this.groups.get(keyUri)).sign(data, algorithm);
      return {
        signature: Buffer.from(r.signature).toString('base64'),
        algorithm: r.algorithm,
        mechanism: r.mechanism,
        hashedInSoftware: r.hashedInSoftware,
        member: r.member,
      };
    }
    const uri = await this.lifecycle.resolveAddress(
      parsePkcs11Address(this.resolve(keyUri, 'key')),
      'sign',
    );
    const sel = keySelectorFromUri(uri);
    if (sel.class === 'secret' || sel.class === 'public') {
      throw invalid(`Signing needs a private key, and the URI names a ${sel.class} key.`);
    }
    const { provider } = await this.connections.get(uri, 'always');
    const r = await provider.sign({ ...sel, class: 'private' }, data, algorithm);
    return {
      signature: Buffer.from(r.signature).toString('base64'),
      algorithm: r.algorithm,
      mechanism: r.mechanism,
      hashedInSoftware: r.hashedInSoftware,
    };
  }

  /**
   * The attestation verdict for the key (or, for awscloudhsm://, the cluster) an address names:
   * PKCS#11 provenance, an Azure or Cloud HSM key version's attestation, a CloudHSM cluster's
   * identity chain. `endpoint` reaches a private or loopback API for the cloud ones.
   */
  attestKey(keyUri: string, options: AttestKeyOptions = {}): Promise<AttestationVerdict> {
    return this.attestations.key(keyUri, options);
  }

  /** Verifies a Marvell LiquidSecurity (Google Cloud HSM, Azure Managed HSM) key attestation. */
  attestMarvell(input: MarvellFiles): Promise<AttestationVerdict> {
    return this.attestations.marvell(input);
  }

  /** Verifies a YubiHSM 2 key attestation certificate against its device certificate and Yubico's root. */
  attestYubiHsm(input: YubiHsmFiles): Promise<AttestationVerdict> {
    return this.attestations.yubiHsm(input);
  }

  /** Verifies with the public half of the key the URI names (type=private names the pair). */
  async verify(
    keyUri: string,
    data: Uint8Array,
    signature: Uint8Array,
    algorithm?: SignAlgorithm,
  ): Promise<VerifyOutput> {
    if (GROUP_ADDRESS.test(keyUri)) {
      // The group's public key, proved the same on every member, checks it in software.
      const spki = (await this.groups.get(keyUri)).fingerprint.spki;
      if (!spki) throw invalid('Verifying needs a key pair, and the group key is a secret key.');
      let valid = false;
      try {
        valid = verifyWithSpki(spki, algorithm ?? defaultAlgorithm(spki), data, signature);
      } catch {
        valid = false; // a malformed signature is simply not valid
      }
      return { valid };
    }
    const uri = await this.lifecycle.resolveAddress(
      parsePkcs11Address(this.resolve(keyUri, 'key')),
      'verify',
    );
    const sel = keySelectorFromUri(uri);
    if (sel.class === 'secret') {
      throw invalid('Verifying needs a public or private key, and the URI names a secret key.');
    }
    const { provider } = await this.connections.get(uri, 'auto');
    return { valid: await provider.verify(sel, data, signature, algorithm) };
  }

  /** Validates an hsm-config.yaml; a ConfigError (INVALID_INPUT) lists every problem with line:col. */
  async checkConfig(path: string): Promise<ConfigCheckResult> {
    return checkResult(await loadHsmConfig(path), path);
  }

  /**
   * Uses an hsm-config.yaml from now on (the app's choice): by path or as pasted text, checked
   * as checkConfig does. Its token is the one meant when no URI is given, its pool and retry
   * settings apply to every token opened next. A config that does not check is refused with the
   * same errors, and the one in force stays.
   */
  useConfig(input: ConfigInput): Promise<ActiveConfig> {
    return this.config.use(input);
  }

  /** Which hsm-config.yaml is in force, where it came from, and its token. */
  activeConfig(): ActiveConfig {
    return this.config.active;
  }

  /** Validates a ceremony script; a ConfigError lists every problem with line:col. */
  async validateScript(path: string): Promise<ScriptCheckResult> {
    const { script, text } = await loadScript(path);
    const plan = planScript(script);
    return {
      file: path,
      sha256: createHash('sha256').update(text).digest('hex'),
      plan,
      planText: formatPlan(plan),
    };
  }

  /** Runs (or resumes) a ceremony script into `dir`, with `room` answering for the people. */
  async runCeremony(
    scriptPath: string,
    dir: string,
    room: CeremonyRoom,
    options: { expect?: string } = {},
  ): Promise<RunSummary> {
    const { script, text } = await loadScript(scriptPath);
    const expect = options.expect
      ? parseTranscript(await readTextFile(options.expect), options.expect)
      : undefined;
    return runCeremony({
      reporting: runReporting,
      script,
      scriptText: text,
      dir: resolve(dir),
      room,
      ...(expect ? { expect } : {}),
      ...(this.config.uri ? { configToken: this.config.uri } : {}),
    });
  }

  /** Runs a script on a throwaway SoftHSM token under `dir`, writing the expected transcript. */
  async rehearse(
    scriptPath: string,
    dir: string,
    onEvent?: (e: RoomEvent) => void,
  ): Promise<ThrowawaySummary> {
    const { script, text } = await loadScript(scriptPath);
    return runOnThrowawayToken({
      reporting: runReporting,
      out: dir,
      script,
      scriptText: text,
      mode: 'rehearsal',
      ...(onEvent ? { onEvent } : {}),
      ...(this.config.uri ? { configToken: this.config.uri } : {}),
    });
  }

  /** Proves every officer's share of `secretId` in a run still reconstructs; writes a signed result. */
  async drill(dir: string, room: CeremonyRoom, secretId?: string): Promise<DrillSummary> {
    return drillRun(dir, room, secretId);
  }

  /** The bundled demo ceremony on a SoftHSM token under `dir` (resumes an unfinished one). */
  async demo(dir: string, onEvent?: (e: RoomEvent) => void): Promise<DemoSummary> {
    return runDemo(dir, runReporting, onEvent);
  }

  /**
   * Checks a ledger's hash chain and head signatures, and says whether it is complete and what
   * pins its audit key. `path` is a ledger, a run directory or a report PDF (whose embedded
   * ledger is checked); a failure is a result, not an error.
   */
  async verifyAudit(path: string, options: AuditTargetOptions = {}): Promise<AuditVerification> {
    return verifyAuditTarget(path, options);
  }

  /**
   * The records of a ledger (a file, or a run directory's audit.jsonl) that match a time range,
   * event types and a key label, after the whole ledger verified; a ledger that does not verify
   * gives `ok: false` and no records. Bad filters are INVALID_INPUT before anything is read.
   */
  async queryAudit(
    path: string,
    query: AuditQueryInput = {},
    options: { now?: Date; limit?: number } = {},
  ): Promise<AuditQueryResult> {
    const filter = parseAuditFilter(query, options.now ?? new Date());
    return queryLedger(
      await ledgerFileOf(path),
      filter,
      options.limit !== undefined ? { limit: options.limit } : {},
    );
  }

  /**
   * Moves one key between PKCS#11 tokens by wrapped export/import, proven after import. The
   * source key is destroyed only when `destroySource` names who approved it.
   */
  async migrate(
    fromUri: string,
    toUri: string,
    options: {
      wrap?: 'rsa-aes-kwp' | 'kwp';
      kekLabel?: string;
      destroySource?: string[];
      /** Where the transfer's events go (a standalone ledger on the command line). */
      audit?: TransferAudit;
    } = {},
  ): Promise<MigrationResult> {
    const from = parsePkcs11Address(fromUri);
    const to = parsePkcs11Address(toUri);
    const sel = keySelectorFromUri(from);
    if (sel.class === 'public')
      throw invalid(
        'Only private and secret keys are migrated; the --from URI names a public key.',
      );
    if (options.wrap === 'kwp' && !options.kekLabel)
      throw invalid('--wrap kwp needs --kek-label naming the KEK present on both tokens.');
    const source = (await this.connections.get(from, 'always')).provider;
    const target = (await this.connections.get(to, 'always')).provider;
    return migrateKey(source, target, sel, {
      ...(options.wrap ? { wrap: options.wrap } : {}),
      ...(options.kekLabel
        ? {
            kek: {
              source: { label: options.kekLabel, class: 'secret' },
              target: { label: options.kekLabel, class: 'secret' },
            },
          }
        : {}),
      ...(to.object ? { target: { label: to.object } } : {}),
      ...(options.destroySource ? { destroySource: { approvedBy: options.destroySource } } : {}),
      ...(options.audit ? { audit: options.audit } : {}),
    });
  }

  /** Checks a signed ceremony report: signature, embedded ledger, printed head. */
  async verifyReport(path: string, options: ReportVerifyOptions = {}): Promise<ReportVerification> {
    return verifyReport(path, options);
  }

  /** Checks a run directory's manifest: every file's SHA-256 and the audit key's signature. */
  async verifyManifest(dir: string): Promise<ManifestVerification> {
    return verifyManifest(dir);
  }

  /** An Azure vault's or Cloud KMS key ring's keys, or CloudHSM clusters, for the HSM screen. */
  async cloudInventory(request: CloudInventoryRequest): Promise<CloudInventory> {
    return cloudInventory(this, request);
  }

  /** Version, workspace, bundled scripts and a default SoftHSM URI, for the home screen. */
  async appInfo(): Promise<AppInfo> {
    return appInfo();
  }

  /** Run directories under `root` (default: the workspace), newest first. */
  async recentRuns(root?: string): Promise<RecentRuns> {
    return recentRuns(root ?? (await workspaceDir()));
  }

  /** A page of a ledger's records with one-line summaries; `path` is the file or its run dir. */
  async readLedger(
    path: string,
    options: Parameters<typeof readLedgerPage>[1] = {},
  ): Promise<LedgerPage> {
    return readLedgerPage(path, options);
  }

  /**
   * Whether the token the URI names answers, and how fast. A module or token that cannot be
   * opened is an unhealthy report, not an error; a malformed URI is an error.
   */
  hsmHealth(hsmUri?: string): Promise<HsmHealth> {
    return tokenHealth(this.connections, this.resolve(hsmUri, 'token URI'));
  }

  /**
   * A monitor of the config's token (hsm.monitoring.*), not yet started; the caller starts it,
   * serves it if it wants, and stops it before closing the service.
   */
  monitor(options: MonitorOptions): Promise<{ monitor: Monitor; tokens: string[] }> {
    return startMonitoring(this.connections, this.config.config, this.config.uri, options);
  }

  /** Key families on a token (the config's by default): versions, verdicts, what is due. */
  keyInventory(hsmUri?: string, opts: { inventory?: string } = {}): Promise<KeyInventoryView> {
    return keyInventory(this.lifecycle, (u) => this.attestKey(u), hsmUri, opts);
  }

  /** What must rotate, be disabled or expires soon, as `keys due` says (the config's token by default). */
  keysDue(hsmUri?: string, opts: { inventory?: string; withinMs?: number } = {}) {
    return this.lifecycle.due(hsmUri, opts);
  }

  /** Disables a version that is not the primary (`keys disable`). */
  disableKeyVersion(keyUri: string, opts: LifecycleRecording & { reason?: string } = {}) {
    return this.lifecycle.disable(keyUri, opts);
  }

  /** `keys schedule-destroy` with shares typed into the window; they are disposed afterwards. */
  scheduleKeyDestroy(
    keyUri: string,
    runDir: string,
    shares: readonly TypedShare[],
    opts: LifecycleRecording & { delayMs?: number } = {},
  ) {
    return scheduleDestroyWithShares(this.lifecycle, keyUri, runDir, shares, opts);
  }

  /** Closes every provider this service opened (and so the PKCS#11 worker threads). */
  async close(): Promise<void> {
    await this.groups.close();
    await this.connections.close();
    this.config.close();
  }
}
