// Secrets flow renderer → main only: no response or event schema may have a field named like
// one, nor a hole (any/unknown) or free-form record through which one could pass unnamed.
import { describe, expect, it, vi } from 'vitest';
import type { z } from 'zod';
import { contract, events, redactedSectionRecord } from '../../src/shared/contract';
import { isSecretName } from '../../src/shared/secret-names';
import { createEmitter } from '../../src/main/ipc/events';

interface Finding {
  path: string;
  problem: string;
}

/** Walks a zod 4 schema and reports every field name and every opening in it. */
function walk(root: z.ZodType, rootPath: string): { fields: string[]; findings: Finding[] } {
  const fields: string[] = [];
  const findings: Finding[] = [];
  const seen = new Set<unknown>();
  const visit = (schema: z.ZodType, path: string): void => {
    if (seen.has(schema)) return;
    seen.add(schema);
    const def = schema._zod.def as unknown as Record<string, unknown> & { type: string };
    const child = (s: unknown, p: string) => visit(s as z.ZodType, p);
    switch (def.type) {
      case 'object':
        for (const [key, value] of Object.entries(def.shape as Record<string, z.ZodType>)) {
          fields.push(`${path}.${key}`);
          if (isSecretName(key)) findings.push({ path: `${path}.${key}`, problem: 'secret name' });
          child(value, `${path}.${key}`);
        }
        if (def.catchall && (def.catchall as z.ZodType)._zod.def.type !== 'never') {
          findings.push({ path, problem: 'object accepts any key (catchall)' });
        }
        return;
      case 'array':
        return child(def.element, `${path}[]`);
      case 'optional':
      case 'nullable':
      case 'default':
      case 'readonly':
      case 'nonoptional':
      case 'catch':
      case 'prefault':
        return child(def.innerType, path);
      case 'union':
        for (const option of def.options as z.ZodType[]) child(option, path);
        return;
      case 'intersection':
        child(def.left, path);
        return child(def.right, path);
      case 'pipe':
        child(def.in, path);
        return child(def.out, path);
      case 'lazy':
        return child((def.getter as () => z.ZodType)(), path);
      case 'tuple':
        (def.items as z.ZodType[]).forEach((item, i) => child(item, `${path}[${i}]`));
        return;
      case 'record':
        if (schema !== (redactedSectionRecord as unknown)) {
          findings.push({ path, problem: 'free-form record' });
        }
        return child(def.valueType, `${path}{}`);
      case 'any':
      case 'unknown':
        findings.push({ path, problem: def.type });
        return;
      case 'transform':
      case 'string':
      case 'number':
      case 'boolean':
      case 'null':
      case 'undefined':
      case 'literal':
      case 'enum':
        return;
      default:
        findings.push({ path, problem: `unexpected schema type ${def.type}` });
    }
  };
  visit(root, rootPath);
  return { fields, findings };
}

describe('secret names', () => {
  it.each([
    'pin',
    'userPin',
    'soPin',
    'so_pin',
    'PIN',
    'passphrase',
    'shareText',
    'share',
    'secret',
    'demoSecrets',
    'playedShares',
    'pinValue',
    'password',
  ])('%s is a secret name', (name) => expect(isSecretName(name)).toBe(true));
  it.each([
    'secretId',
    'pinSource',
    'pin_source',
    'soPinLocked',
    'userPinLocked',
    'passphraseProtected',
    'cards',
    'spinning',
    'mapping',
    'demoSecretsPath',
    'playedSharesPath',
    'custodian',
  ])('%s is not a secret name', (name) => expect(isSecretName(name)).toBe(false));
});

describe('responses and events never carry a secret', () => {
  const schemas: [string, z.ZodType][] = [
    ...Object.entries(contract).map(
      ([name, c]) => [`${name}.response`, c.response] as [string, z.ZodType],
    ),
    ...Object.entries(events).map(([name, s]) => [`event ${name}`, s] as [string, z.ZodType]),
  ];

  it.each(schemas)(
    '%s has no secret-named field, no any/unknown, no open record',
    (label, schema) => {
      const { fields, findings } = walk(schema, label);
      expect(findings).toEqual([]);
      // The walk really went somewhere (a schema that walks to nothing would pass vacuously).
      expect(fields.length).toBeGreaterThan(0);
    },
  );

  it('the walker itself catches a secret field, an unknown and an open record', async () => {
    const { z } = await import('zod');
    const bad = z.object({
      nested: z.array(z.object({ shareText: z.string() })),
      blob: z.unknown(),
      extra: z.record(z.string(), z.string()),
      deep: z.lazy(() => z.object({ userPin: z.string().optional() })),
    });
    const problems = walk(bad, 'bad').findings.map((f) => `${f.path}: ${f.problem}`);
    expect(problems).toEqual([
      'bad.nested[].shareText: secret name',
      'bad.blob: unknown',
      'bad.extra: free-form record',
      'bad.deep.userPin: secret name',
    ]);
  });

  it('requests do carry the secrets (they are where secrets are allowed)', () => {
    const requestFields = Object.entries(contract).flatMap(([name, c]) =>
      walk(c.request, name).findings.filter((f) => f.problem === 'secret name'),
    );
    expect(requestFields.map((f) => f.path).sort()).toEqual([
      'givePassphrase.passphrase',
      'presentShare.share',
      'scheduleKeyDestroy.shares',
      'scheduleKeyDestroy.shares[].passphrase',
    ]);
  });

  it('the effective config drops keys named like secrets at every depth', () => {
    const value = contract.checkConfig.response.parse({
      file: 'hsm.yaml',
      yaml: '',
      warnings: [],
      config: {
        provider: 'pkcs11',
        pin: '1234',
        pkcs11: { pin_source: 'env:HSM_PIN', so_pin: '0000', nested: { userPin: 'x', label: 'a' } },
        auth: { password: 'hunter2', password_env: 'HSM_PASSWORD' },
      },
    });
    expect(value.config).toEqual({
      provider: 'pkcs11',
      pkcs11: { pin_source: 'env:HSM_PIN', nested: { label: 'a' } },
      auth: { password_env: 'HSM_PASSWORD' },
    });
  });

  it('a field the contract does not name is stripped from a response', () => {
    const parsed = contract.startDemo.response.parse({ runId: crypto.randomUUID(), share: 'x' });
    expect(parsed).not.toHaveProperty('share');
    const status = contract.runStatus.response.parse({
      runId: crypto.randomUUID(),
      kind: 'drill',
      state: 'finished',
      open: [],
      result: {
        dir: '/r',
        secretId: 'token-pins',
        file: 'drills/x.json',
        signed: true,
        text: 'J5GF-…',
        report: {
          ok: true,
          recoverable: true,
          verdict: 'ok',
          reconstructions: [],
          custodians: [{ custodian: 'Alice', ok: true, share: 'J5GF-…' }],
        },
      },
    });
    expect(JSON.stringify(status)).not.toContain('J5GF');
  });

  it('events leave main stripped to their schema: issued cards go without their text', () => {
    const send = vi.fn();
    const emit = createEmitter(send, () => {});
    const runId = crypto.randomUUID();
    emit('runCardsIssued', {
      runId,
      cards: [
        { secretId: 'token-pins', custodian: 'Alice', card: 'shares/alice.pdf', text: 'J5GF' },
      ],
    } as never);
    expect(send).toHaveBeenCalledWith('olocus:event:runCardsIssued', {
      runId,
      cards: [{ secretId: 'token-pins', custodian: 'Alice', card: 'shares/alice.pdf' }],
    });
  });

  it('an event that does not fit its schema is dropped, not sent', () => {
    const send = vi.fn();
    const log = vi.fn();
    createEmitter(send, log)('runProgress', { runId: 'nope' } as never);
    expect(send).not.toHaveBeenCalled();
    expect(log).toHaveBeenCalled();
  });
});
