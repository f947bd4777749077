// What the service returns: plain, serialisable objects (bytes as hex or base64), so that the
// same values cross Electron IPC, print as CLI JSON and compare in tests.
import type { Plan } from '../ceremony/script/plan';
import type { EffectiveSection } from '../config/index';
import type { HealthReport, KeyInfo, ModuleInfo, SignAlgorithm, TokenInfo } from '../hsm/types';
import type { OlocusErrorData } from '../../shared/errors';

export interface ModuleTokens {
  module: ModuleInfo & {
    /** p11-kit registration name when found through p11-kit; null when given by path. */
    name: string | null;
    /** Vendor profile id when the module or one of its tokens is recognised. */
    vendor: string | null;
  };
  tokens: TokenInfo[];
}

export interface TokensResult {
  modules: ModuleTokens[];
  /** Modules that were searched (no module-path in the URI) but could not be loaded. */
  unavailable: { name: string | null; path: string; error: OlocusErrorData }[];
}

export interface KeysResult {
  token: Pick<TokenInfo, 'label' | 'serial' | 'manufacturer' | 'model' | 'slotId'>;
  /** Whether this connection is logged in; if not, the token hides its private objects. */
  loggedIn: boolean;
  /** Each key's `uri` also carries the module and pin-source of the URI asked with. */
  keys: KeyInfo[];
}

export interface Fingerprint {
  kind: 'spki-sha256' | 'kcv';
  /** Lower-case hex. */
  value: string;
}

export interface GeneratedKey {
  key: KeyInfo;
  /** Ready for sign/verify: names the new key, its token and module, and the same pin-source. */
  uri: string;
  fingerprint: Fingerprint | null;
}

export interface SignOutput {
  /** Base64. ECDSA signatures are r‖s (IEEE P1363), as PKCS#11 returns them. */
  signature: string;
  algorithm: SignAlgorithm;
  mechanism: string;
  hashedInSoftware: boolean;
  /** For a group:NAME/LABEL key: the member that signed. */
  member?: string;
}

export interface VerifyOutput {
  valid: boolean;
}

/** The hsm-config.yaml the service uses now (see CeremonyService.useConfig). */
export interface ActiveConfig {
  source: 'none' | 'startup' | 'file' | 'pasted';
  file: string | null;
  tokenUri: string | null;
  check: ConfigCheckResult | null;
}

export interface ConfigCheckResult {
  file: string;
  /** The keys this tool acts on, defaults filled in; secrets appear only as references. */
  config: EffectiveSection;
  /** What each of those keys does. */
  effects: { key: string; effect: string }[];
  /** `file:line:col: key: accepted, not used by this tool`, for each such key the file sets. */
  unused: string[];
  /** The same as commented YAML. */
  yaml: string;
  /** `file:line:col: text` for things worth a look that do not make the file invalid. */
  warnings: string[];
}

export interface ScriptCheckResult {
  file: string;
  /** SHA-256 of the script as reviewed; a run records it so the room can compare. */
  sha256: string;
  plan: Plan;
  planText: string;
}

/** A provider's health report as it crosses IPC: no optional fields, and when it was taken. */
export interface HsmHealth extends Omit<HealthReport, 'sessions'> {
  sessions: NonNullable<HealthReport['sessions']> | null;
  /** ISO 8601 UTC. */
  checkedAt: string;
}

export type { AppInfo, BundledScript } from './app-info';
export type { LedgerPage, LedgerRecordView } from './ledger-page';
export type { RecentRun, RecentRunState, RecentRuns } from './runs-index';

/** An HSM group as the app shows it (src/main/cluster): members without their addresses. */
export interface GroupStatus {
  group: string;
  key: string;
  fingerprint: { kind: 'spki-sha256' | 'kcv'; value: string };
  policy: 'automatic' | 'manual';
  strategy: 'round-robin' | 'least-busy' | 'primary-only';
  threshold: number;
  members: {
    name: string;
    role: 'primary' | 'backup';
    state: 'healthy' | 'failing' | 'out' | 'recovering';
    lastCheck: string | null;
    lastError: string | null;
    signed: number;
    /** Part of the group's signatures, 0..1 (never named `share`: that word means a secret share). */
    fractionOfWork: number;
    inFlight: number;
  }[];
}
