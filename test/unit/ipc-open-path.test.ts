// openPath through the IPC wrapper (fake ipcMain, real files in a temporary folder): only a PDF
// or JSON file really inside a run directory this session started or listed reaches the
// injected opener; everything else is refused with a sentence and the opener is never called.
import { existsSync, readFileSync } from 'node:fs';
import {
  mkdir,
  mkdtemp,
  readFile,
  realpath,
  rename,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { invokeChannel } from '../../src/shared/channels';
import { ErrorCode, type OlocusError } from '../../src/shared/errors';
import { checkOpenable, privateCopy, removeOpenedCopies } from '../../src/main/ipc/open-path';
import { createHandlers } from '../../src/main/ipc/handlers';
import type { HandlerOptions, ServiceApi } from '../../src/main/ipc/handlers';
import { registerContract } from '../../src/main/ipc/register';
import type { IpcMainLike } from '../../src/main/ipc/register';
import { RunManager } from '../../src/main/service/run-manager';
import type { InvokeEventLike } from '../../src/main/ipc/sender';
import { recentRuns } from '../../src/main/service/runs-index';

type Answer = {
  ok: boolean;
  value?: { opened: boolean; message: string };
  error?: { code: number; message: string };
};

const frame = { url: 'app://olocus/index.html' };
const event: InvokeEventLike = { senderFrame: frame, sender: { mainFrame: frame } };

let base: string;
let workspace: string; // what recentRuns lists
let listedRun: string;
let startedRun: string; // a directory only a run started here knows
let outside: string;

beforeAll(async () => {
  base = await realpath(await mkdtemp(join(tmpdir(), 'olocus-open-')));
  workspace = join(base, 'workspace');
  listedRun = join(workspace, 'root-ca-2026');
  startedRun = join(base, 'elsewhere', 'issuing-run');
  outside = join(base, 'outside');
  for (const d of [join(listedRun, 'shares'), startedRun, outside]) {
    await mkdir(d, { recursive: true });
  }
  await writeFile(join(listedRun, 'report.pdf'), '%PDF-1.7\n');
  await writeFile(join(listedRun, 'manifest.json'), '{}');
  await writeFile(join(listedRun, 'audit.jsonl'), '');
  await writeFile(join(listedRun, 'script.yaml'), 'ceremony: {}\n');
  await writeFile(join(listedRun, 'run.sh'), '#!/bin/sh\n');
  await writeFile(join(listedRun, 'shares', 'alice-archer.pdf'), '%PDF-1.7\n');
  await writeFile(join(startedRun, 'report.pdf'), '%PDF-1.7\n');
  await writeFile(join(outside, 'secret.pdf'), '%PDF-1.7\n');
  await mkdir(join(listedRun, 'folder.pdf'));
  // A link inside the run folder to a file outside it, a linked folder out of it, and a
  // card-named link to a script inside it.
  await symlink(join(outside, 'secret.pdf'), join(listedRun, 'shares', 'bob-baker.pdf'));
  await symlink(outside, join(listedRun, 'linked'));
  await symlink(join(listedRun, 'run.sh'), join(listedRun, 'shares', 'carol-chen.pdf'));
  // The run folder reached through a link: the same run, so its files open.
  await symlink(listedRun, join(base, 'alias'));
});

afterAll(async () => {
  await removeOpenedCopies();
  await rm(base, { recursive: true, force: true });
});

function setup(options?: HandlerOptions) {
  const channels = new Map<string, (event: InvokeEventLike, ...args: unknown[]) => unknown>();
  const ipcMain: IpcMainLike = {
    handle: (c, l) => void channels.set(c, l),
    removeHandler: (c) => void channels.delete(c),
  };
  const service = { recentRuns: vi.fn((root?: string) => recentRuns(root ?? workspace)) };
  const runs = new RunManager(() => {});
  registerContract(ipcMain, createHandlers(service as unknown as ServiceApi, runs, options), {
    log: () => {},
  });
  const call = (name: 'openPath' | 'recentRuns', request: unknown) =>
    channels.get(invokeChannel(name))!(event, request) as Promise<Answer>;
  return { runs, call, open: (path: string) => call('openPath', { path }) };
}

/** The opener got a private copy (not the run's file) holding the same bytes. */
function expectCopyOf(copy: string, original: string): void {
  expect(copy).not.toBe(original);
  expect(basename(copy)).toBe(basename(original));
  expect(dirname(copy)).toMatch(/olocus-open-/);
  expect(readFileSync(copy)).toEqual(readFileSync(original));
}

describe('openPath', () => {
  let opener: ReturnType<typeof vi.fn<(p: string) => Promise<string>>>;
  let s: ReturnType<typeof setup>;

  beforeEach(async () => {
    opener = vi.fn(async () => '');
    s = setup({ files: { open: opener } });
    expect((await s.call('recentRuns', { root: workspace })).ok).toBe(true);
  });

  it('opens a card and the report of a listed run with the injected opener', async () => {
    const card = join(listedRun, 'shares', 'alice-archer.pdf');
    expect(await s.open(card)).toEqual({
      ok: true,
      value: {
        opened: true,
        message: `${card} is open in the system viewer (a private copy, removed within 5 minutes); print it from there.`,
      },
    });
    expectCopyOf(opener.mock.lastCall![0], card);
    expect((await s.open(join(listedRun, 'manifest.json'))).value?.opened).toBe(true);
    expect((await s.open(join(listedRun, 'audit.jsonl'))).value?.opened).toBe(true);
    expect(opener).toHaveBeenCalledTimes(3);
  });

  it('opens a file of a run directory this session started, and not before', async () => {
    const report = join(startedRun, 'report.pdf');
    expect((await s.open(report)).error?.code).toBe(ErrorCode.POLICY_VIOLATION);
    // The run's outcome does not matter: its directory was the officer's from the start.
    const { runId } = s.runs.start('ceremony', startedRun, async () => {
      throw new Error('stopped early');
    });
    await s.runs.settled(runId);
    expect((await s.open(report)).value).toMatchObject({ opened: true });
    expect(opener).toHaveBeenCalledTimes(1);
  });

  it('opens through a link to the run folder, handing the opener a copy of the real file', async () => {
    const r = await s.open(join(base, 'alias', 'report.pdf'));
    expect(r.value?.opened).toBe(true);
    expectCopyOf(opener.mock.lastCall![0], join(listedRun, 'report.pdf'));
  });

  it('what was checked is what opens: the viewer gets a private copy a later swap cannot touch', async () => {
    const dir = join(listedRun, 'swap');
    await mkdir(dir, { recursive: true });
    const card = join(dir, 'dave-doe.pdf');
    await writeFile(card, '%PDF-1.7 the card that was checked\n');
    let seen = '';
    opener.mockImplementationOnce(async (copy: string) => {
      // The desktop reads the file a moment after it was handed over: swap the original first.
      await rm(card);
      await symlink(join(outside, 'secret.pdf'), card);
      seen = await readFile(copy, 'utf8');
      return '';
    });
    expect((await s.open(card)).value?.opened).toBe(true);
    expect(seen).toBe('%PDF-1.7 the card that was checked\n');
    const copy = opener.mock.lastCall![0];
    expect((await stat(dirname(copy))).mode & 0o777).toBe(0o700);
    expect((await stat(copy)).mode & 0o777).toBe(0o600);
    await removeOpenedCopies();
    expect(existsSync(dirname(copy))).toBe(false);
  });

  it('says why when the desktop could not open the file', async () => {
    opener.mockResolvedValueOnce('No application knows how to open this file');
    const report = join(listedRun, 'report.pdf');
    expect((await s.open(report)).value).toEqual({
      opened: false,
      message: `${report} could not be opened: No application knows how to open this file.`,
    });
  });

  const refusals: [string, () => string, number, RegExp][] = [
    [
      'a file outside every run folder',
      () => join(outside, 'secret.pdf'),
      106,
      /not inside a run folder/,
    ],
    [
      'a .. escape out of the run folder',
      () => `${listedRun}/../../outside/secret.pdf`,
      106,
      /not inside a run folder/,
    ],
    [
      'a link in the run folder to a file outside it',
      () => join(listedRun, 'shares', 'bob-baker.pdf'),
      106,
      /not inside a run folder/,
    ],
    [
      'a file under a linked folder outside it',
      () => join(listedRun, 'linked', 'secret.pdf'),
      106,
      /not inside a run folder/,
    ],
    [
      'a card-named link to a script',
      () => join(listedRun, 'shares', 'carol-chen.pdf'),
      106,
      /not inside a run folder/,
    ],
    [
      'a script (not a PDF or JSON)',
      () => join(listedRun, 'run.sh'),
      106,
      /not a PDF or JSON file/,
    ],
    ['the run script YAML', () => join(listedRun, 'script.yaml'), 106, /not a PDF or JSON file/],
    ['the run folder itself', () => listedRun, 106, /not a PDF or JSON file/],
    ['a missing card', () => join(listedRun, 'shares', 'nobody.pdf'), 108, /does not exist/],
    ['a folder named like a PDF', () => join(listedRun, 'folder.pdf'), 108, /not a file/],
    ['a relative path', () => 'shares/alice-archer.pdf', 108, /not a full path/],
  ];
  it.each(refusals)('refuses %s, and never calls the opener', async (_what, path, code, why) => {
    const r = await s.open(path());
    expect(r.ok).toBe(false);
    expect(r.error?.code).toBe(code);
    expect(r.error?.message).toMatch(why);
    expect(r.error?.message).toMatch(/\.$/);
    expect(opener).not.toHaveBeenCalled();
  });

  it('refuses every run file before any run was started or listed', async () => {
    const fresh = setup({ files: { open: opener } });
    const r = await fresh.open(join(listedRun, 'report.pdf'));
    expect(r.error?.code).toBe(ErrorCode.POLICY_VIOLATION);
    expect(opener).not.toHaveBeenCalled();
  });

  it('refuses a NUL in the path at the contract, before the handler', async () => {
    const r = await s.open(`${join(listedRun, 'report.pdf')}\0.sh`);
    expect(r.error?.code).toBe(ErrorCode.INVALID_INPUT);
    expect(opener).not.toHaveBeenCalled();
  });
});

describe('privateCopy after the check', () => {
  it('refuses a checked file replaced by a link before it is opened, and copies nothing', async () => {
    const card = join(listedRun, 'shares', 'erin-east.pdf');
    await writeFile(card, '%PDF-1.7\n');
    const real = await checkOpenable(card, [listedRun]);
    await rm(card);
    await symlink(join(outside, 'secret.pdf'), card);
    const e = await privateCopy(real).then(
      () => null,
      (err: unknown) => err as OlocusError,
    );
    expect(e?.code).toBe(ErrorCode.POLICY_VIOLATION);
    expect(e?.message).toBe(
      `${real} changed while it was being opened (it was replaced or linked elsewhere); nothing was opened.`,
    );
  });

  it('refuses when a folder on the checked path is swapped for a link out of the run', async () => {
    const sub = join(listedRun, 'cards');
    await mkdir(sub);
    await writeFile(join(sub, 'frank.pdf'), '%PDF-1.7 inside\n');
    const real = await checkOpenable(join(sub, 'frank.pdf'), [listedRun]);
    const elsewhere = join(outside, 'cards');
    await mkdir(elsewhere);
    await writeFile(join(elsewhere, 'frank.pdf'), '%PDF-1.7 outside\n');
    await rename(sub, join(listedRun, 'cards-moved'));
    await symlink(elsewhere, sub);
    const e = await privateCopy(real).then(
      () => null,
      (err: unknown) => err as OlocusError,
    );
    expect(e?.code).toBe(ErrorCode.POLICY_VIOLATION);
  });
});

describe('openPath without a desktop', () => {
  it('the bridge says where the file is instead (after the same checks)', async () => {
    const s = setup({ files: { cannotOpen: 'the browser bridge cannot open files' } });
    await s.call('recentRuns', { root: workspace });
    const card = join(listedRun, 'shares', 'alice-archer.pdf');
    expect((await s.open(card)).value).toEqual({
      opened: false,
      message: `Open ${card} from the run folder: the browser bridge cannot open files.`,
    });
    expect((await s.open(join(outside, 'secret.pdf'))).error?.code).toBe(
      ErrorCode.POLICY_VIOLATION,
    );
  });

  it('with no opener given, nothing is opened and the answer says so', async () => {
    const s = setup();
    await s.call('recentRuns', { root: workspace });
    expect((await s.open(join(listedRun, 'report.pdf'))).value).toMatchObject({
      opened: false,
      message: expect.stringContaining('cannot open files'),
    });
  });
});
