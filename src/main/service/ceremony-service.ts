// The facade: every operation the product offers, for the Electron IPC, the CLI and the test
// bridge alike. It prints nothing and returns plain objects; advice goes to `onWarning`.
// Each method hands over to the domain's delegate in this folder (keys, groups, lifecycle,
// attestations, config-in-force, ceremony-runs, audit-query, transfers, monitoring, clouds).
import type { AttestationVerdict } from '../attestation/index';
import { Attestations } from './attestations';
import type { AttestKeyOptions, MarvellFiles, YubiHsmFiles } from './attestations';
import type { AuditQueryInput, AuditQueryResult } from '../audit/index';
import { queryAudit } from './audit-query';
import type { MigrationResult } from '../transfer/index';
import { migrate } from './transfers';
import type { MigrateOptions } from './transfers';
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
import type { RunSummary } from '../ceremony/run/finish';
import type { ThrowawaySummary } from '../ceremony/throwaway';
import { rehearseScript, runScript, validateScript } from './ceremony-runs';
import type { HsmConfig } from '../config/index';
import { ConfigInForce, checkConfigFile } from './config-in-force';
import type { ConfigInput } from './config-in-force';
import { openPkcs11 } from '../hsm/open';
import type { OpenPkcs11Options } from '../hsm/open';
import type { SignAlgorithm } from '../hsm/types';
import { formatPkcs11Uri } from '../hsm/uri';
import { Connections } from './connections';
import { Groups } from './groups';
import type { SignBatchRequest, SignBatchResult } from './groups';
import type { HsmGroup } from '../cluster/index';
import type { GroupStatus } from './types';
import type { UriOpener } from './connections';
import { tokenHealth } from './discovery';
import { KeyOperations } from './keys';
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
import { LiveHealth } from './health';
import type { LiveHealthRequest, LiveHealthStatus } from './health';
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
  /** The config in force: its token is the one meant when no URI is given. */
  private readonly config: ConfigInForce;
  private readonly groups: Groups;
  private readonly health: LiveHealth;
  private readonly keys: KeyOperations;

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
    this.health = new LiveHealth(
      this.connections,
      () => this.config.config,
      () => (this.config.uri ? formatPkcs11Uri(this.config.uri) : undefined),
      (k) => this.groups.open(k),
    );
    this.keys = new KeyOperations(
      this.connections,
      options,
      (text, what) => this.resolve(text, what),
      () => this.config.uri !== undefined,
      this.groups,
      this.lifecycle,
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
  groupStatus(key: string, check = false): Promise<GroupStatus> {
    return this.groups.status(key, check);
  }

  /** Signs every file of a list or directory through a group; resumes an interrupted batch. */
  signBatch(request: SignBatchRequest): Promise<SignBatchResult> {
    return this.groups.signBatch(request);
  }

  /** `text` as a URI string: itself when it has a scheme, else the config's token (object=text). */
  private resolve(text: string | undefined, what: string): string {
    return this.config.resolve(text, what);
  }

  /**
   * Tokens of the module the URI names, or of every registered module when it names none; the
   * URI's token attributes, when given, filter the list and must match at least one token.
   */
  tokens(hsmUri: string | undefined, opts: { mechanisms?: boolean } = {}): Promise<TokensResult> {
    return this.keys.tokens(hsmUri, opts);
  }

  /** Keys on the token; logs in when the URI has a pin-source, else lists public objects only. */
  listKeys(hsmUri?: string): Promise<KeysResult> {
    return this.keys.listKeys(hsmUri);
  }

  generateKey(
    hsmUri: string | undefined,
    type: string,
    label: string,
    opts: { extractable?: boolean; usage?: string[] } = {},
  ): Promise<GeneratedKey> {
    return this.keys.generateKey(hsmUri, type, label, opts);
  }

  /** Signs with the private key a URI names, or through the group a `group:NAME/LABEL` names. */
  sign(keyUri: string, data: Uint8Array, algorithm?: SignAlgorithm): Promise<SignOutput> {
    return this.keys.sign(keyUri, data, algorithm);
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
  verify(
    keyUri: string,
    data: Uint8Array,
    signature: Uint8Array,
    algorithm?: SignAlgorithm,
  ): Promise<VerifyOutput> {
    return this.keys.verify(keyUri, data, signature, algorithm);
  }

  /** Validates an hsm-config.yaml; a ConfigError (INVALID_INPUT) lists every problem with line:col. */
  checkConfig(path: string): Promise<ConfigCheckResult> {
    return checkConfigFile(path);
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
  validateScript(path: string): Promise<ScriptCheckResult> {
    return validateScript(path);
  }

  /** Runs (or resumes) a ceremony script into `dir`, with `room` answering for the people. */
  runCeremony(
    scriptPath: string,
    dir: string,
    room: CeremonyRoom,
    options: { expect?: string } = {},
  ): Promise<RunSummary> {
    return this.health.duringRun((notes) =>
      runScript(scriptPath, dir, room, options, this.config.uri, notes),
    );
  }

  /** Runs a script on a throwaway SoftHSM token under `dir`, writing the expected transcript. */
  rehearse(
    scriptPath: string,
    dir: string,
    onEvent?: (e: RoomEvent) => void,
  ): Promise<ThrowawaySummary> {
    return rehearseScript(scriptPath, dir, onEvent, this.config.uri);
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
  queryAudit(
    path: string,
    query: AuditQueryInput = {},
    options: { now?: Date; limit?: number } = {},
  ): Promise<AuditQueryResult> {
    return queryAudit(path, query, options);
  }

  /**
   * Moves one key between PKCS#11 tokens by wrapped export/import, proven after import. The
   * source key is destroyed only when `destroySource` names who approved it.
   */
  migrate(fromUri: string, toUri: string, options: MigrateOptions = {}): Promise<MigrationResult> {
    return migrate(this.connections, fromUri, toUri, options);
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
    return startMonitoring(this.connections, this.config.config, this.config.uri, options, this);
  }

  /** The HSM screen's live health (off unless the config or the officer turns it on). */
  liveHealth(request: LiveHealthRequest = {}): Promise<LiveHealthStatus> {
    return this.health.status(request);
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
    await this.health.stop();
    await this.groups.close();
    await this.connections.close();
    this.config.close();
  }
}
