// The command registry names each command's words beside a loader, so a command's module is
// loaded only when it runs. These tests keep the two in step: every entry loads the spec it
// names, and every spec a command module exports has an entry (or --help would lose it).
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COMMANDS, loadCommands } from '../../src/cli/commands/index';
import type { CommandSpec } from '../../src/cli/spec';

const DIR = new URL('../../src/cli/commands/', import.meta.url);
const MODULES = readdirSync(DIR).filter((f) => f.endsWith('.ts'));

function specsIn(mod: Record<string, unknown>): CommandSpec[] {
  const out: CommandSpec[] = [];
  for (const value of Object.values(mod)) {
    const list = Array.isArray(value) ? value : [value];
    for (const v of list) {
      if (v && typeof v === 'object' && Array.isArray((v as CommandSpec).words) && 'run' in v)
        out.push(v as CommandSpec);
    }
  }
  return out;
}

describe('cli command registry', () => {
  it('loads, for each entry, the spec with exactly its words, each once', async () => {
    const specs = await loadCommands();
    expect(specs.map((s) => s.words.join(' '))).toEqual(COMMANDS.map((e) => e.words.join(' ')));
    expect(new Set(specs.map((s) => s.words.join(' '))).size).toBe(specs.length);
  });

  it('has an entry for every command a command module exports', async () => {
    const registered = new Set(COMMANDS.map((e) => e.words.join(' ')));
    const exported = new Set<string>();
    for (const file of MODULES) {
      const mod = (await import(new URL(file, DIR).href)) as Record<string, unknown>;
      for (const s of specsIn(mod)) exported.add(s.words.join(' '));
    }
    expect(exported.size).toBeGreaterThan(40);
    expect([...exported].filter((w) => !registered.has(w))).toEqual([]);
  });

  it('runs audit query without the service (it only reads a file)', async () => {
    const [query] = await loadCommands(COMMANDS.filter((e) => e.words.join(' ') === 'audit query'));
    expect(query?.standalone).toBe(true);
  });
});
