// The home screen's list of runs: every directory directly under the workspace, described from
// its own files (state.json, audit.jsonl, report.pdf, manifest.json), newest first. A damaged
// folder is listed as unfinished with whatever could be read, never allowed to hide the rest.
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ErrorCode, OlocusError } from '../../shared/errors';
import { RUN_FORMAT, readStateText } from '../ceremony/run/state';
import { readLedgerRecords } from '../audit/record-reader';

export type RecentRunState = 'finished' | 'unfinished' | 'empty';

export interface RecentRun {
  dir: string;
  ceremonyId: string | null;
  name: string | null;
  state: RecentRunState;
  mode: string | null;
  records: number;
  startedAt: string | null;
  lastEventTime: string | null;
  scriptPath: string | null;
  report: string | null;
  problem: string | null;
}

export interface RecentRuns {
  root: string;
  runs: RecentRun[];
}

const isFile = async (p: string) => (await stat(p).catch(() => null))?.isFile() ?? false;
const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** The parts of state.json this list shows, read without trusting its shape. */
async function readStateFacts(
  dir: string,
): Promise<{ ceremonyId: string | null; mode: string | null; startedAt: string | null } | null> {
  const text = await readStateText(dir);
  if (text === null) return null;
  const s = JSON.parse(text) as Record<string, unknown> | null;
  if (!s || typeof s !== 'object' || s.format !== RUN_FORMAT) {
    throw new Error('state.json is not an Olocus Ceremony run state');
  }
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  return { ceremonyId: str(s.ceremonyId), mode: str(s.mode), startedAt: str(s.startedAt) };
}

/** One run directory, described from its files; never throws. */
export async function describeRun(dir: string): Promise<RecentRun & { sortTime: number }> {
  const problems: string[] = [];
  const run: RecentRun = {
    dir,
    ceremonyId: null,
    name: null,
    state: 'empty',
    mode: null,
    records: 0,
    startedAt: null,
    lastEventTime: null,
    scriptPath: null,
    report: null,
    problem: null,
  };
  let sortTime = (await stat(dir).catch(() => null))?.mtimeMs ?? 0;
  let hasState = false;
  let hasLedger = false;

  try {
    const facts = await readStateFacts(dir);
    if (facts) {
      hasState = true;
      run.ceremonyId = facts.ceremonyId;
      run.mode = facts.mode;
      run.startedAt = facts.startedAt;
      const started = facts.startedAt ? Date.parse(facts.startedAt) : NaN;
      if (!Number.isNaN(started)) sortTime = started;
    }
  } catch (e) {
    hasState = true;
    problems.push(`state.json: ${message(e)}`);
  }

  const ledgerPath = join(dir, 'audit.jsonl');
  if (await isFile(ledgerPath)) {
    hasLedger = true;
    try {
      const { records, unreadableLines } = await readLedgerRecords(ledgerPath);
      run.records = records.length;
      const last = records.at(-1);
      if (last) {
        run.lastEventTime = last.time;
        const t = Date.parse(last.time);
        if (!Number.isNaN(t)) sortTime = t;
      }
      const opened = records.find((r) => r.type === 'ledger.opened');
      const started = records.find((r) => r.type === 'ceremony.started');
      if (run.ceremonyId === null && typeof opened?.data.ceremony_id === 'string')
        run.ceremonyId = opened.data.ceremony_id;
      if (typeof started?.data.name === 'string') run.name = started.data.name;
      if (run.mode === null && typeof started?.data.mode === 'string') run.mode = started.data.mode;
      if (unreadableLines > 0)
        problems.push(
          `audit.jsonl: ${unreadableLines} line${unreadableLines === 1 ? '' : 's'} could not be read`,
        );
    } catch (e) {
      problems.push(`audit.jsonl: ${message(e)}`);
    }
  }

  const script = join(dir, 'script.yaml');
  if (await isFile(script)) run.scriptPath = script;
  const report = join(dir, 'report.pdf');
  const hasReport = await isFile(report);
  if (hasReport) run.report = report;
  // finish.ts writes report.pdf, then manifest.json last: both present is a finished run.
  if (hasReport && (await isFile(join(dir, 'manifest.json')))) run.state = 'finished';
  else if (hasState || hasLedger || hasReport || run.scriptPath) run.state = 'unfinished';
  else if ((await readdir(dir).catch(() => [])).length > 0) {
    // Files, but none of a run's: shown, so a folder is never silently missing from the list.
    run.state = 'unfinished';
    problems.push('no state.json or audit.jsonl: not a ceremony run, or one damaged early');
  }
  run.problem = problems.length ? problems.join('; ') : null;
  return { ...run, sortTime };
}

/** The workspace folder of the signed key inventories (service/lifecycle.ts): not a run. */
export const KEY_INVENTORY_DIR = 'keys';

/** Run directories directly under `root`, newest first (the key inventories' folder is not one). */
export async function recentRuns(root: string): Promise<RecentRuns> {
  const dir = resolve(root);
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (cause) {
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      `Cannot list runs in ${dir}: ${message(cause)}.`,
      { cause },
    );
  }
  const described = await Promise.all(
    entries
      .filter((e) => e.isDirectory() && !e.name.startsWith('.') && e.name !== KEY_INVENTORY_DIR)
      .map((e) => describeRun(join(dir, e.name))),
  );
  described.sort((a, b) => b.sortTime - a.sortTime || a.dir.localeCompare(b.dir));
  return { root: dir, runs: described.map(({ sortTime: _t, ...run }) => run) };
}
