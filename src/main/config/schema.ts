// The hsm-config.yaml schema: the olocus-hsm seed format plus `hsm.pkcs11` (how a PKCS#11
// module is loaded and which token it means) and the identifying `aws` / `azure` / `gcp`
// sections. Every object is strict, so a typo is an error rather than a silently ignored
// setting. Output keys keep the file's snake_case so messages, the file and the code agree.
// Durations come out as milliseconds.

import { z } from 'zod';
import { formatDuration, tryParseDuration } from './duration';
import { PROVIDERS, PROVIDER_PROFILES, isProvider } from './providers';
import { ENV_NAME, parsePinSource } from './secrets';
import { isAbsolutePath } from './util';
import { providerIssues } from './provider-checks';
import { parseKeyAddress } from '../hsm/key-address';

/** Duration fields, so the effective-config printer can show them as `30s` again. */
export const durationSchemas = new WeakSet<z.ZodType>();

function duration(defaultValue: string) {
  const s = durationValue().prefault(defaultValue);
  durationSchemas.add(s);
  return s;
}

/** A duration with no default: absent means the feature is off. */
function optionalDuration() {
  const s = durationValue().optional();
  durationSchemas.add(s);
  return s;
}

function durationValue() {
  const s = z.unknown().transform((v, ctx) => {
    const r = tryParseDuration(v);
    if (!r.ok) {
      ctx.addIssue({ code: 'custom', message: r.message });
      return z.NEVER;
    }
    if (r.ms === 0) {
      ctx.addIssue({ code: 'custom', message: 'must be longer than zero' });
      return z.NEVER;
    }
    return r.ms;
  });
  durationSchemas.add(s);
  return s;
}

// Messages below never quote the value: a field meant for a reference may hold the secret itself.
const absolutePath = z
  .string()
  .refine((p) => p !== '' && isAbsolutePath(p), { message: 'must be an absolute path' });

const envName = z.string().regex(ENV_NAME, {
  message: 'must be an environment variable name (letters, digits, _; not starting with a digit)',
});

const pinSource = z.string().refine(
  (s) => {
    const src = parsePinSource(s);
    return src !== undefined && (src.kind === 'env' || isAbsolutePath(src.path));
  },
  { message: 'must be "env:VARIABLE" or "file:/absolute/path" (RFC 7512 pin-source form)' },
);

const hostname = z
  .string()
  .regex(/^[A-Za-z0-9._:[\]-]+$/, { message: 'must be a host name or IP address, without scheme' });

const connectionSchema = z.strictObject({
  /** Network HSMs: the appliance. The vendor client keeps its own copy of this for PKCS#11. */
  host: hostname.optional(),
  port: z.int().min(1).max(65535).optional(),
  timeout: duration('30s'),
  retry_attempts: z.int().min(0).max(100).default(3),
});

const authSchema = z
  .strictObject({
    username: z.string().min(1).optional(),
    /** The variable that holds the password (for PKCS#11 providers: the user PIN). */
    password_env: envName.optional(),
    certificate_path: absolutePath.optional(),
    private_key_path: absolutePath.optional(),
  })
  .superRefine((a, ctx) => {
    // A client certificate without its key (or the reverse) cannot authenticate.
    if ((a.certificate_path === undefined) !== (a.private_key_path === undefined)) {
      const missing = a.certificate_path === undefined ? 'certificate_path' : 'private_key_path';
      const present = missing === 'certificate_path' ? 'private_key_path' : 'certificate_path';
      ctx.addIssue({
        code: 'custom',
        path: [present],
        message: `hsm.auth.${present} is set but hsm.auth.${missing} is not; set both or neither`,
        params: { standalone: true },
      });
    }
  });

const poolSchema = z
  .strictObject({
    min_sessions: z.int().min(0).max(1024).default(1),
    max_sessions: z.int().min(1).max(1024).default(8),
    idle_timeout: duration('300s'),
    health_check_interval: duration('60s'),
    /** Idle sessions older than this are replaced (some HSMs expire long-lived sessions). */
    max_lifetime: optionalDuration(),
  })
  .superRefine((p, ctx) => {
    if (p.min_sessions > p.max_sessions) {
      ctx.addIssue({
        code: 'custom',
        path: ['min_sessions'],
        message: `hsm.pool.min_sessions (${p.min_sessions}) is greater than hsm.pool.max_sessions (${p.max_sessions})`,
        params: { standalone: true },
      });
    }
  });

const familyName = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** A family's own policy (docs/lifecycle.md): any field left out comes from hsm.keys. */
const familyPolicySchema = z.strictObject({
  rotation_interval: optionalDuration(),
  overlap_period: optionalDuration(),
  max_versions: z.int().min(1).max(1000).optional(),
  notification_advance: optionalDuration(),
});

const keysSchema = z
  .strictObject({
    rotation_interval: duration('90d'),
    overlap_period: duration('7d'),
    max_versions: z.int().min(1).max(1000).default(5),
    /** How long before a rotation is due `keys due` starts to list it (the seed's name). */
    notification_advance: duration('7d'),
    families: z
      .record(
        z.string().regex(familyName, {
          message:
            'a family name is 1-64 letters, digits, ., _ or -, starting with a letter or digit',
        }),
        familyPolicySchema,
      )
      .optional(),
  })
  .superRefine((k, ctx) => {
    const overlapCheck = (
      interval: number,
      overlap: number,
      path: (string | number)[],
      where: string,
    ) => {
      if (overlap < interval) return;
      ctx.addIssue({
        code: 'custom',
        path,
        message: `${where}overlap_period (${formatDuration(overlap)}) must be shorter than ${where}rotation_interval (${formatDuration(interval)})`,
        params: { standalone: true },
      });
    };
    overlapCheck(k.rotation_interval, k.overlap_period, ['overlap_period'], 'hsm.keys.');
    for (const [name, f] of Object.entries(k.families ?? {})) {
      if (f.overlap_period === undefined && f.rotation_interval === undefined) continue;
      overlapCheck(
        f.rotation_interval ?? k.rotation_interval,
        f.overlap_period ?? k.overlap_period,
        ['families', name, f.overlap_period !== undefined ? 'overlap_period' : 'rotation_interval'],
        `hsm.keys.families.${name}.`,
      );
    }
  });

// A webhook URL often carries its secret (a token in the query, credentials): such a URL lives
// in an environment variable named by notification_webhook_env, never in the reviewed file.
const webhookUrl = z.string().refine(
  (s) => {
    if (!URL.canParse(s)) return false;
    const u = new URL(s);
    return (
      (u.protocol === 'https:' || u.protocol === 'http:') &&
      !u.username &&
      !u.password &&
      !u.search &&
      !u.hash
    );
  },
  {
    message:
      'must be an http(s):// URL without credentials, query or fragment; put a URL that carries a secret in an environment variable and name it with notification_webhook_env',
  },
);

const monitoringSchema = z
  .strictObject({
    /**
     * Left out: `monitor` runs (it was asked for) but the desktop app stays quiet, since the
     * ceremony room should not probe HSMs unless the config says so (docs/monitoring.md).
     */
    enabled: z.boolean().optional(),
    metrics_interval: duration('30s'),
    health_check_interval: duration('60s'),
    alert_latency_threshold: duration('500ms'),
    alert_error_rate_threshold: z.number().min(0).max(1).default(0.01),
    /** Share of pool.max_sessions busy above which the pool alert fires (the seed's 80%). */
    connection_threshold: z.number().gt(0).max(1).default(0.8),
    /** Label of a dedicated signing key the probe signs and verifies with; absent: token checks only. */
    probe_key: z.string().min(1).max(128).optional(),
    notification_webhook: webhookUrl.optional(),
    notification_webhook_env: envName.optional(),
  })
  .superRefine((m, ctx) => {
    if (m.notification_webhook !== undefined && m.notification_webhook_env !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['notification_webhook_env'],
        message:
          'hsm.monitoring.notification_webhook and hsm.monitoring.notification_webhook_env are both set; keep one',
        params: { standalone: true },
      });
    }
  });

const pkcs11Schema = z.strictObject({
  /** Absolute on purpose: a bare library name is resolved by the loader's search path. */
  module_path: absolutePath.optional(),
  // Token selection; several may be given and all must match. slot_id alone is fragile:
  // some modules (SoftHSM among them) renumber slots when tokens are added.
  token_label: z
    .string()
    .min(1)
    .refine((s) => Buffer.byteLength(s, 'utf8') <= 32, {
      message: 'must be at most 32 bytes (the PKCS#11 label field)',
    })
    .optional(),
  slot_id: z.int().min(0).optional(),
  token_serial: z.string().min(1).max(16).optional(),
  /** Passed as CK_C_INITIALIZE_ARGS.pReserved (NSS-style modules read settings from it). */
  init_args: z.string().max(4096).optional(),
  pin_source: pinSource.optional(),
  so_pin_source: pinSource.optional(),
});

const https = z.string().refine(
  (s) => {
    // Identification only: a URL with credentials or a query could carry a SAS token or key.
    if (!URL.canParse(s)) return false;
    const u = new URL(s);
    return u.protocol === 'https:' && !u.username && !u.password && !u.search && !u.hash;
  },
  { message: 'must be an https:// URL without credentials, query or fragment' },
);

const azureSchema = z.strictObject({
  vault_url: https.optional(),
  managed_hsm: z.boolean().default(false),
  tenant_id: z
    .string()
    .regex(/^[A-Za-z0-9.-]+$/, { message: 'must be a tenant GUID or domain' })
    .optional(),
});

const gcpSchema = z.strictObject({
  project: z
    .string()
    .regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, { message: 'must be a Google Cloud project ID' })
    .optional(),
  location: z
    .string()
    .regex(/^[a-z0-9-]+$/, { message: 'must be a location such as global or europe-west1' })
    .optional(),
  key_ring: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,63}$/, { message: 'must be 1-63 letters, digits, _ or -' })
    .optional(),
});

const awsSchema = z.strictObject({
  region: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, { message: 'must be an AWS region such as eu-west-1' })
    .optional(),
  cluster_id: z
    .string()
    .regex(/^cluster-[a-z0-9]+$/, { message: 'must be a CloudHSM cluster ID (cluster-…)' })
    .optional(),
  /** A VPC interface endpoint instead of the regional API (https; http only on loopback). */
  endpoint: z
    .url({
      message: 'must be a URL such as https://vpce-….cloudhsmv2.eu-west-1.vpce.amazonaws.com',
    })
    .optional(),
});

const hsmSchema = z
  .strictObject({
    provider: z.enum(PROVIDERS),
    connection: connectionSchema.prefault({}),
    auth: authSchema.prefault({}),
    pool: poolSchema.prefault({}),
    keys: keysSchema.prefault({}),
    monitoring: monitoringSchema.prefault({}),
    pkcs11: pkcs11Schema.optional(),
    azure: azureSchema.optional(),
    gcp: gcpSchema.optional(),
    aws: awsSchema.optional(),
  })
  .superRefine(
    (h, ctx) => {
      for (const issue of providerIssues(h)) {
        ctx.addIssue({ code: 'custom', ...issue, params: { standalone: true } });
      }
    },
    // Provider rules only need the provider to be valid; other sections are checked defensively,
    // so a typo elsewhere does not hide a missing azure section.
    { when: (payload) => isProvider((payload.value as { provider?: unknown } | null)?.provider) },
  )
  .transform((h) => {
    // PKCS#11 providers always come out with a module path: the file's, or the vendor's.
    const fallback = PROVIDER_PROFILES[h.provider].defaultModulePath;
    if (!PROVIDER_PROFILES[h.provider].pkcs11 || fallback === undefined) return h;
    if (h.pkcs11?.module_path !== undefined) return h;
    return { ...h, pkcs11: { ...h.pkcs11, module_path: fallback } };
  });

// An HSM group (src/main/cluster): members that hold the same keys, used as one signer. A member
// is the token (PKCS#11 URI, with its module-path and pin-source) or a cloud key address; the key
// itself is named when the group is used (group:NAME/LABEL).
const memberAddress = z
  .string()
  .refine(
    (s) => {
      try {
        parseKeyAddress(s);
        return true;
      } catch {
        return false;
      }
    },
    { message: 'must be a pkcs11: URI or an azurekv://, gcpkms:// or awscloudhsm:// address' },
  )
  .refine((s) => !/[?&;]pin-value=/i.test(s), {
    message: 'must not hold a PIN: use pin-source=file:PATH or pin-source=env:NAME',
  });

const batchSchema = z.strictObject({
  max_batch_size: z.int().min(1).max(10000).default(50),
  max_wait_time: duration('100ms'),
  max_concurrent_batches: z.int().min(1).max(64).default(5),
});

const clusterSchema = z
  .strictObject({
    name: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,64}$/, { message: 'must be 1-64 letters, digits, ., _ or -' })
      .default('default'),
    primary: memberAddress,
    backups: z.array(memberAddress).max(31).default([]),
    failover_policy: z.enum(['automatic', 'manual']).default('automatic'),
    /** Consecutive failures that take a member out; 0 would take every member out at once. */
    failover_threshold: z.int().min(1, { message: 'must be at least 1' }).max(1000).default(3),
    health_check_interval: duration('30s'),
    strategy: z.enum(['round-robin', 'least-busy', 'primary-only']).default('round-robin'),
    /** process: each member's PKCS#11 library runs in a process of its own (member host). */
    member_host: z.enum(['in-process', 'process']).default('in-process'),
    batch: batchSchema.prefault({}),
  })
  .superRefine((c, ctx) => {
    const seen = new Set<string>();
    [c.primary, ...c.backups].forEach((m, i) => {
      if (seen.has(m)) {
        ctx.addIssue({
          code: 'custom',
          path: i === 0 ? ['primary'] : ['backups', i - 1],
          message: 'names the same member twice',
        });
      }
      seen.add(m);
    });
  });

export const hsmConfigSchema = z.strictObject({
  hsm: hsmSchema,
  cluster: clusterSchema.optional(),
});

export type HsmConfig = z.output<typeof hsmConfigSchema>;
export type HsmSettings = HsmConfig['hsm'];
export type ConnectionSettings = HsmSettings['connection'];
export type AuthSettings = HsmSettings['auth'];
export type PoolSettings = HsmSettings['pool'];
export type KeySettings = HsmSettings['keys'];
export type MonitoringSettings = HsmSettings['monitoring'];
export type Pkcs11Settings = NonNullable<HsmSettings['pkcs11']>;
export type AzureSettings = NonNullable<HsmSettings['azure']>;
export type GcpSettings = NonNullable<HsmSettings['gcp']>;
export type AwsSettings = NonNullable<HsmSettings['aws']>;
export type ClusterSettings = NonNullable<HsmConfig['cluster']>;
