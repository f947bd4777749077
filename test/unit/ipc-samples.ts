// One valid request per contract channel, shared by the contract, IPC and fuzz tests. Typed
// against the contract, so a new channel without a sample does not compile.
import type { InvokeName } from '../../src/shared/channels';
import type { RequestOf } from '../../src/shared/contract';

export const RUN_ID = '4f1c1a8e-3a9b-4c47-9a57-0d3b7e6f2a10';
export const REQUEST_ID = '0b6f3f2e-8c1d-4e8a-b1f5-5d2a7c9e4b31';

export const VALID_REQUESTS: { [K in InvokeName]: RequestOf<K> } = {
  tokens: { hsmUri: 'pkcs11:?module-path=/usr/lib/softhsm/libsofthsm2.so', mechanisms: true },
  listKeys: { hsmUri: 'pkcs11:token=root?module-path=/usr/lib/softhsm/libsofthsm2.so' },
  generateKey: {
    hsmUri: 'pkcs11:token=root',
    type: 'ec-p256',
    label: 'issuing',
    extractable: false,
  },
  checkConfig: { path: '/etc/olocus/hsm-config.yaml' },
  validateScript: { path: '/ceremonies/root-ca.yaml' },
  verifyAudit: { path: '/runs/root/audit.jsonl', expectedHead: 'a'.repeat(64) },
  startCeremony: {
    scriptPath: '/ceremonies/root-ca.yaml',
    dir: '/runs/root',
    expect: '/rehearsal/transcript.json',
  },
  startRehearsal: { scriptPath: '/ceremonies/root-ca.yaml', dir: '/runs/rehearsal' },
  startDemo: { dir: '/runs/demo' },
  startDrill: { dir: '/runs/root', secretId: 'backup-kek:backup-kek-2026' },
  runStatus: { runId: RUN_ID },
  cancelRun: { runId: RUN_ID },
  presentShare: {
    requestId: REQUEST_ID,
    share: { text: 'J5GF-GMIA-AEBQ', presentedBy: 'Alice Archer' },
  },
  signOff: { requestId: REQUEST_ID, name: 'Wendy Witness' },
  givePassphrase: { requestId: REQUEST_ID, passphrase: 'correct horse battery staple' },
  printCard: { requestId: REQUEST_ID },
  confirmCardReceipt: { requestId: REQUEST_ID, receivedBy: 'Alice Archer' },
  appInfo: {},
  recentRuns: { root: '/home/ada/OlocusCeremonies' },
  readLedger: { path: '/runs/root/audit.jsonl', fromSeq: 10, limit: 50, fromEnd: true },
  queryAudit: {
    path: '/runs/root',
    since: '7d',
    until: '2026-03-01T09:00:00Z',
    types: ['key.generated', 'signature.*'],
    key: 'root-ca-2026',
    limit: 200,
  },
  hsmHealth: { hsmUri: 'pkcs11:token=root?module-path=/usr/lib/softhsm/libsofthsm2.so' },
  migrateKey: {
    fromUri: 'pkcs11:token=old;object=root-ca-2026;type=private?pin-source=env:OLD_PIN',
    toUri: 'pkcs11:token=new?pin-source=env:NEW_PIN',
    wrap: 'kwp',
    kekLabel: 'backup-kek-2026',
    destroySource: ['Alice Archer', 'Bob Baker', 'Carol Chen'],
  },
  attestKey: {
    keyUri: 'pkcs11:token=root;object=root-ca-2026;type=private',
    acceptImported: false,
    expectedSpkiSha256: 'c'.repeat(64),
  },
  verifyReport: { path: '/runs/root/report.pdf' },
  verifyManifest: { dir: '/runs/root' },
  openPath: { path: '/runs/root/shares/alice-archer.pdf' },
  cloudInventory: {
    provider: 'gcp',
    address: 'gcpkms://projects/olocus-test/locations/global/keyRings/ops',
    endpoint: '127.0.0.1:8443',
  },
  useConfig: { path: '/etc/olocus/hsm-config.yaml' },
  activeConfig: {},
  groupStatus: { key: 'group:signers/root-2026', check: true },
  liveHealth: { enabled: true, target: 'pkcs11:token=root' },
  signBatchStart: {
    key: 'group:signers/root-2026',
    inDir: '/srv/requests',
    outDir: '/srv/signed',
    maxBatchSize: 50,
    maxConcurrentBatches: 5,
  },
  signBatchStatus: { batchId: '8a0c2f6e-5d0b-4f5e-9a51-0f3f7f1d2c3b' },
  keyInventory: { hsmUri: 'pkcs11:token=root?module-path=/usr/lib/softhsm/libsofthsm2.so' },
  keysDue: { withinDays: 30 },
  disableKeyVersion: { keyUri: 'pkcs11:token=root;object=root@1', reason: 'retired' },
  scheduleKeyDestroy: {
    keyUri: 'pkcs11:token=root;object=root@1',
    runDir: '/runs/root',
    shares: [{ text: 'OLOCUS-SHARE-1 AAAA BBBB', presentedBy: 'Alice Archer' }],
    delayDays: 30,
  },
};
