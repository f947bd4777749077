// What each key of hsm-config.yaml does in this tool, in one sentence, or null when it is
// accepted (the olocus-hsm seed format has it) but nothing here acts on it. `config check`
// prints only the keys with an effect and names every other key the file sets as "accepted, not
// used by this tool". test/unit/config-effects.test.ts checks the table covers the schema.

export const UNUSED = 'accepted, not used by this tool';

// Commands and the app given no URI; ceremonies and rehearsals whose script's hsm.uri leaves it out.
const NO_URI = 'a command or the app is given no URI, or a ceremony script leaves it out';

const POOL =
  'every PKCS#11 token the process opens (commands, ceremonies, rehearsals, drills, the app)';

export const KEY_EFFECTS: Readonly<Record<string, string | null>> = {
  'hsm.provider':
    'for PKCS#11 providers, the vendor module used when hsm.pkcs11.module_path is not set',
  'hsm.connection.host': null,
  'hsm.connection.port': null,
  'hsm.connection.timeout':
    'how long an operation waits for a free pool session before error 105; also caps each retry delay (at most 5 s)',
  'hsm.connection.retry_attempts':
    'extra attempts, with exponential backoff and jitter, after error 100 (a lost module or device: CKR_DEVICE_ERROR) or 105, for operations safe to repeat (sign, verify, encrypt, decrypt, wrap, reading keys); never for generate, import, unwrap or destroy',
  'hsm.auth.username': null,
  'hsm.auth.password_env':
    'the variable holding the user PIN (as pin-source=env:NAME) when hsm.pkcs11.pin_source is not set',
  'hsm.auth.certificate_path': null,
  'hsm.auth.private_key_path': null,
  'hsm.pool.min_sessions': `sessions kept open on ${POOL}`,
  'hsm.pool.max_sessions': `most sessions open at once on ${POOL}`,
  'hsm.pool.idle_timeout': `idle sessions above min_sessions are closed after this, on ${POOL}`,
  'hsm.pool.health_check_interval': `how often idle sessions are checked and dead ones replaced, on ${POOL}`,
  'hsm.pool.max_lifetime': `idle sessions older than this are replaced, on ${POOL}`,
  'hsm.keys.rotation_interval':
    'keys due / keys rotate --if-due: how long after it became primary a version must be replaced',
  'hsm.keys.overlap_period':
    'how long a replaced version stays enabled (verify, decrypt) after keys rotate',
  'hsm.keys.max_versions':
    'versions of a family kept enabled or disabled; keys rotate disables the oldest beyond it',
  'hsm.keys.notification_advance': 'how far ahead keys due looks when --within is not given',
  'hsm.keys.families': 'per-family overrides of the four keys.* settings above (docs/lifecycle.md)',
  'hsm.monitoring.enabled':
    '`monitor` runs unless it is false; the desktop app shows live health at first only when it is true',
  'hsm.monitoring.metrics_interval':
    '`monitor`: how often pool gauges are read and alert thresholds evaluated',
  'hsm.monitoring.health_check_interval': '`monitor`: how often each token is probed',
  'hsm.monitoring.alert_latency_threshold':
    '`monitor`: the p95 operation latency above which an alert fires',
  'hsm.monitoring.alert_error_rate_threshold':
    '`monitor`: the share of failed operations above which an alert fires',
  'hsm.monitoring.connection_threshold':
    '`monitor`: the share of pool sessions busy above which an alert fires',
  'hsm.monitoring.probe_key':
    '`monitor`: the key the health probe signs and verifies with (else token checks only)',
  'hsm.monitoring.notification_webhook': '`monitor`: where alerts are POSTed (Alertmanager JSON)',
  'hsm.monitoring.notification_webhook_env':
    '`monitor`: the variable holding the alert webhook URL (for URLs that carry a secret)',
  'hsm.pkcs11.module_path': `the PKCS#11 library opened when ${NO_URI}`,
  'hsm.pkcs11.token_label': `the token opened when ${NO_URI} (token=); the token a ceremony makes and works on`,
  'hsm.pkcs11.slot_id': `the token opened when ${NO_URI} (slot-id=); the slot a ceremony's token.initialize uses when its step names none`,
  'hsm.pkcs11.token_serial': `the token opened when ${NO_URI} (serial=); a ceremony opens only a token with this serial, and refuses to initialise a new one`,
  'hsm.pkcs11.init_args': `passed to C_Initialize as pReserved when ${NO_URI} (x-init-args=)`,
  'hsm.pkcs11.pin_source':
    'where the user PIN is read when a command or the app is given no URI; read again once to log in after a lost login (never for a ceremony token, whose PIN the officers hold in shares)',
  'hsm.pkcs11.so_pin_source': null,
  'hsm.azure.vault_url': null,
  'hsm.azure.managed_hsm': null,
  'hsm.azure.tenant_id': null,
  'hsm.gcp.project': null,
  'hsm.gcp.location': null,
  'hsm.gcp.key_ring': null,
  'hsm.aws.region': 'the region of the aws commands given --config',
  'hsm.aws.cluster_id': 'the cluster of the aws commands given --config',
  'hsm.aws.endpoint': 'the API endpoint of the aws commands given --config',
  'cluster.name': 'the group name that --key group:NAME/LABEL addresses',
  'cluster.primary':
    'the first member of the HSM group; strategy primary-only signs here while it is healthy',
  'cluster.backups':
    'the other members of the HSM group; each must hold the same key as the primary',
  'cluster.failover_policy':
    'automatic: a failed member is taken out and its requests go to the next; manual: the work stops with an error naming the member',
  'cluster.failover_threshold': 'consecutive failures that take a member out of the group',
  'cluster.health_check_interval':
    'how often a member that is out is checked (reopened, key compared, test signature) before it is re-admitted',
  'cluster.strategy': 'how signatures are spread over healthy members',
  'cluster.member_host':
    'process: each member runs its PKCS#11 library in a process of its own, so a member that crashes or is killed is failed over and the others keep signing',
  'cluster.batch.max_batch_size': 'most signing requests sent together by sign-batch',
  'cluster.batch.max_wait_time': 'how long a partly filled batch waits for more requests',
  'cluster.batch.max_concurrent_batches': 'most batches in flight at once in sign-batch',
};

export function effectOf(path: string): string | null | undefined {
  return KEY_EFFECTS[path];
}
