// What each key of hsm-config.yaml does in this tool, in one sentence, or null when it is
// accepted (the olocus-hsm seed format has it) but nothing here acts on it. `config check`
// prints only the keys with an effect and names every other key the file sets as "accepted, not
// used by this tool". test/unit/config-effects.test.ts checks the table covers the schema.

export const UNUSED = 'accepted, not used by this tool';

const POOL =
  'every PKCS#11 token the process opens (commands, ceremonies, rehearsals, drills, the app)';

export const KEY_EFFECTS: Readonly<Record<string, string | null>> = {
  'hsm.provider':
    'for PKCS#11 providers, the vendor module used when hsm.pkcs11.module_path is not set',
  'hsm.connection.host': null,
  'hsm.connection.port': null,
  'hsm.connection.timeout':
    'how long an operation waits for a free pool session before error 105; also caps each retry delay',
  'hsm.connection.retry_attempts':
    'extra attempts, with exponential backoff and jitter, after error 100 or 105, for operations safe to repeat (sign, verify, encrypt, decrypt, wrap, reading keys); never for generate, unwrap or destroy',
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
  'hsm.monitoring.enabled': null,
  'hsm.monitoring.metrics_interval': null,
  'hsm.monitoring.health_check_interval': null,
  'hsm.monitoring.alert_latency_threshold': null,
  'hsm.monitoring.alert_error_rate_threshold': null,
  'hsm.pkcs11.module_path': 'the PKCS#11 library opened when a command or the app is given no URI',
  'hsm.pkcs11.token_label': 'the token opened when no URI is given (token=)',
  'hsm.pkcs11.slot_id': 'the token opened when no URI is given (slot-id=)',
  'hsm.pkcs11.token_serial': 'the token opened when no URI is given (serial=)',
  'hsm.pkcs11.init_args': 'passed to C_Initialize as pReserved when no URI is given (x-init-args=)',
  'hsm.pkcs11.pin_source':
    'where the user PIN is read when no URI is given; read again once to log in after a lost login',
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
};

export function effectOf(path: string): string | null | undefined {
  return KEY_EFFECTS[path];
}
