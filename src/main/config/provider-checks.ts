// Rules that depend on the provider. They run even when other parts of the file are invalid
// (see the `when` in schema.ts), so they read sections defensively and only complain about
// what is absent or misplaced, never about a value the schema already reported.

import { CLOUD_SECTIONS, PROVIDERS, PROVIDER_PROFILES, isProvider } from './providers';
import type { CloudSection, Provider } from './providers';

export interface ProviderIssue {
  path: string[];
  message: string;
}

function asRecord(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}

function ownerOf(section: CloudSection): Provider | undefined {
  return PROVIDERS.find((p) => PROVIDER_PROFILES[p].cloud?.section === section);
}

export function providerIssues(hsm: Readonly<Record<string, unknown>>): ProviderIssue[] {
  const provider = hsm.provider;
  if (!isProvider(provider)) return [];
  const profile = PROVIDER_PROFILES[provider];
  const issues: ProviderIssue[] = [];

  if (profile.cloud) {
    const { section, required } = profile.cloud;
    const value = hsm[section];
    const rec = asRecord(value);
    if (value === undefined) {
      issues.push({
        path: ['provider'],
        message: `provider ${provider} needs an hsm.${section} section with ${required.join(' and ')}`,
      });
    } else if (rec) {
      const missing = required.filter((k) => rec[k] === undefined);
      if (missing.length > 0) {
        issues.push({
          path: [section],
          message: `provider ${provider} needs ${missing.map((k) => `hsm.${section}.${k}`).join(' and ')}`,
        });
      }
    }
  }

  for (const section of CLOUD_SECTIONS) {
    if (section === profile.cloud?.section || hsm[section] === undefined) continue;
    issues.push({
      path: [section],
      message: `hsm.${section} is only used with provider ${ownerOf(section) ?? '?'}, not ${provider}`,
    });
  }

  const pkcs11 = asRecord(hsm.pkcs11);
  if (!profile.pkcs11) {
    if (hsm.pkcs11 !== undefined) {
      issues.push({
        path: ['pkcs11'],
        message: `hsm.pkcs11 is not used with provider ${provider}, which is reached through its cloud API`,
      });
    }
    const conn = asRecord(hsm.connection);
    for (const key of ['host', 'port'] as const) {
      if (conn?.[key] !== undefined) {
        issues.push({
          path: ['connection', key],
          message: `hsm.connection.${key} is not used with provider ${provider}; the endpoint follows from hsm.${profile.cloud?.section ?? provider}`,
        });
      }
    }
  }

  // Two places naming the user PIN would leave the ceremony guessing which one wins.
  if (asRecord(hsm.auth)?.password_env !== undefined && pkcs11?.pin_source !== undefined) {
    issues.push({
      path: ['pkcs11', 'pin_source'],
      message:
        'hsm.auth.password_env and hsm.pkcs11.pin_source both name the user PIN; keep one of them',
    });
  }
  return issues;
}
