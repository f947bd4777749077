// Live HSM health on the HSM screen (docs/monitoring.md, "In the desktop app"): the selected
// token's or group's probes as samples for a sparkline, its state history, and the alerts the
// monitor holds firing. Names and numbers only: no PIN, no key material, no webhook URL.
import { z } from 'zod';

const alertView = z.object({
  alert: z.string(),
  status: z.enum(['firing', 'resolved']),
  subject: z.string(),
  severity: z.string(),
  operation: z.string().nullable(),
  summary: z.string(),
  description: z.string(),
  /** The reading and its threshold in base units (seconds, shares 0–1); null when not one number. */
  value: z.number().nullable(),
  threshold: z.number().nullable(),
  since: z.string(),
  ended: z.string().nullable(),
});

const sample = z.object({
  at: z.string(),
  up: z.boolean(),
  /** The probe's time (a token) or the health round's (a group). */
  latencyMs: z.number().nullable(),
  /** Failed share of the recent operations (a token) or members not healthy (a group). */
  errorRate: z.number(),
  /** Busy share of the pool's max sessions; null for a group. */
  poolUse: z.number().nullable(),
});

const stateChange = z.object({
  at: z.string(),
  subject: z.string(),
  state: z.string(),
  detail: z.string().nullable(),
});

export const liveHealthRequest = z.strictObject({
  /** On or off for the rest of the session; absent: as it is (the config in force decides at first). */
  enabled: z.boolean().optional(),
  /** A token's PKCS#11 URI or group:NAME/LABEL; absent: the one watched, or the config's token. */
  target: z
    .string()
    .min(1)
    .max(4096)
    .refine((t) => !t.includes('\0'), 'must not contain a NUL character')
    .optional(),
});

export const liveHealthResult = z.object({
  enabled: z.boolean(),
  /** What decided on or off: the officer's toggle, the config in force, or the default (off). */
  source: z.enum(['toggle', 'config', 'default']),
  target: z.string().nullable(),
  kind: z.enum(['token', 'group']).nullable(),
  subject: z.string().nullable(),
  probeIntervalMs: z.number(),
  thresholds: z
    .object({ latencyMs: z.number(), errorRate: z.number(), poolUse: z.number() })
    .nullable(),
  current: z
    .object({
      up: z.boolean().nullable(),
      detail: z.string().nullable(),
      operations: z.number(),
      errors: z.number(),
      p95Ms: z.array(z.object({ operation: z.string(), ms: z.number() })),
      pool: z
        .object({
          open: z.number(),
          busy: z.number(),
          idle: z.number(),
          max: z.number(),
          waiting: z.number(),
        })
        .nullable(),
    })
    .nullable(),
  members: z.array(
    z.object({ name: z.string(), state: z.string(), lastError: z.string().nullable() }),
  ),
  samples: z.array(sample),
  states: z.array(stateChange),
  alerts: z.array(alertView),
  /** A ceremony is running: its ledger gets a note for each alert change. */
  duringRun: z.boolean(),
});

export type LiveHealthRequest = z.input<typeof liveHealthRequest>;
export type LiveHealthStatus = z.input<typeof liveHealthResult>;
export type HealthAlertView = z.input<typeof alertView>;
export type HealthSample = z.input<typeof sample>;
export type HealthStateChange = z.input<typeof stateChange>;
