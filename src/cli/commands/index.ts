// Every command, in the order --help lists them. A command's module is loaded only when that
// command runs or a help text lists it: loaded all at once, they made every command (even
// `audit query`) load pdfkit, pkijs and @peculiar/x509 first. Words are written here as well as
// in each spec; test/unit/cli-registry.test.ts checks that the two agree.
import type { CommandSpec } from '../spec';

export interface CommandEntry {
  readonly words: readonly string[];
  readonly load: () => Promise<CommandSpec>;
}

type Loader = () => Promise<CommandSpec | readonly CommandSpec[]>;

function entry(words: string, loader: Loader): CommandEntry {
  const split = words.split(' ');
  return {
    words: split,
    load: async () => {
      const loaded = await loader();
      const spec = (Array.isArray(loaded) ? loaded : [loaded as CommandSpec]).find(
        (c) => c.words.join(' ') === words,
      );
      if (!spec) throw new Error(`The command registry names "${words}" but its module lacks it.`);
      return spec;
    },
  };
}

const ceremony = () => import('./ceremony');
const attest = () => import('./attest');
const audit = () => import('./audit');
const keys = () => import('./keys');
const signing = () => import('./signing');
const lifecycle = () => import('./lifecycle').then((m) => m.LIFECYCLE_COMMANDS);
const azure = () => import('./azure').then((m) => m.AZURE_COMMANDS);
const gcp = () => import('./gcp').then((m) => m.GCP_COMMANDS);
const aws = () => import('./aws').then((m) => m.AWS_COMMANDS);

export const COMMANDS: readonly CommandEntry[] = [
  entry('tokens', () => import('./tokens').then((m) => m.tokensCommand)),
  entry('keys list', () => keys().then((m) => m.keysListCommand)),
  entry('keys generate', () => keys().then((m) => m.keysGenerateCommand)),
  ...[
    'keys rotate',
    'keys versions',
    'keys due',
    'keys disable',
    'keys schedule-destroy',
    'keys destroy',
    'encrypt',
    'decrypt',
  ].map((w) => entry(w, lifecycle)),
  entry('sign', () => signing().then((m) => m.signCommand)),
  entry('verify', () => signing().then((m) => m.verifyCommand)),
  entry('sign-batch', () => import('./sign-batch').then((m) => m.signBatchCommand)),
  entry('config check', () => import('./config').then((m) => m.configCheckCommand)),
  entry('ceremony validate', () => ceremony().then((m) => m.ceremonyValidateCommand)),
  entry('ceremony run', () => ceremony().then((m) => m.ceremonyRunCommand)),
  entry('ceremony rehearse', () => ceremony().then((m) => m.ceremonyRehearseCommand)),
  entry('ceremony drill', () => ceremony().then((m) => m.ceremonyDrillCommand)),
  entry('ceremony cards', () => import('./cards').then((m) => m.ceremonyCardsCommand)),
  entry('demo', () => import('./demo').then((m) => m.demoCommand)),
  entry('verify-audit', () => audit().then((m) => m.verifyAuditCommand)),
  entry('audit query', () => import('./audit-query').then((m) => m.auditQueryCommand)),
  entry('verify-report', () => audit().then((m) => m.verifyReportCommand)),
  entry('verify-manifest', () => audit().then((m) => m.verifyManifestCommand)),
  entry('attest', () => attest().then((m) => m.attestKeyCommand)),
  entry('attest marvell', () => attest().then((m) => m.attestMarvellCommand)),
  entry('attest yubihsm', () => attest().then((m) => m.attestYubiHsmCommand)),
  entry('migrate', () => import('./migrate').then((m) => m.migrateCommand)),
  entry('monitor', () => import('./monitor').then((m) => m.monitorCommand)),
  ...['azure keys', 'azure sign', 'azure verify', 'azure attest'].map((w) => entry(w, azure)),
  ...['byok kek', 'byok export', 'byok import', 'azure migrate'].map((w) => entry(w, azure)),
  ...['gcp key-rings', 'gcp keys', 'gcp sign', 'gcp import', 'gcp attest'].map((w) =>
    entry(w, gcp),
  ),
  ...['aws clusters', 'aws cluster', 'aws backups', 'attest cluster'].map((w) => entry(w, aws)),
];

/** Every command's spec, in registry order (for the full --help). */
export function loadCommands(entries: readonly CommandEntry[] = COMMANDS): Promise<CommandSpec[]> {
  return Promise.all(entries.map((e) => e.load()));
}
