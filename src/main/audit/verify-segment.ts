// The second half of a ledger, checked in a worker thread while the main thread checks the
// first (verify-parallel.ts). This side cannot know what the records before its first line hash
// to, so it checks everything else with the ordinary checker: record 0 (read again here, for the
// audit key and ceremony id that head signatures need), then every line from `start` as if the
// chain reached it where the first line says. It reports those claims, and the main thread
// believes nothing from here until its own half ends exactly there. This side only ever accepts:
// any doubt (a bad line, a torn or overlong one, a claim it cannot read) is reported as not ok,
// and the caller verifies the whole ledger again the ordinary way, which finds and words it.
import { open } from 'node:fs/promises';
import { ChainChecker, type ChainState } from './chain-checker';
import { scanOrdinaryRecord } from './canonical-scan';
import { MAX_LINE_BYTES, readLinesFromFile } from './line-reader';
import { recordMatcher, type AuditFilter } from './query-match';

export interface SegmentTask {
  path: string;
  /** Byte offset of the first line of this half (just after a newline). */
  start: number;
  filter: AuditFilter;
  /** Keep only the newest this many matches (they are still counted). */
  limit: number | null;
}

export type SegmentReport =
  | { ok: false; why: string }
  | {
      ok: true;
      /** Record 0's hash as this side read it: the main thread's must be the same. */
      genesisHash: string;
      /** The seq and prev that the first line of this half claims. */
      firstSeq: number;
      firstPrev: string;
      state: ChainState;
      /** Records this half verified, and the last of them as its line. */
      accepted: number;
      lastLine: string;
      matched: number;
      /** Matching records as their lines (canonical JSON), oldest first. */
      matches: string[];
      totalBytes: number;
    };

/** The first line of the file, when it ends before `limit`. */
async function firstLine(path: string, limit: number): Promise<Buffer | null> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(Math.min(limit, MAX_LINE_BYTES + 1));
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    const nl = buf.subarray(0, bytesRead).indexOf(10);
    return nl < 0 ? null : buf.subarray(0, nl);
  } finally {
    await fh.close();
  }
}

/** The seq and prev a line claims, read without judging it (the checker judges it next). */
function claimsOf(buf: Buffer, start: number, end: number): { seq: number; prev: string } | null {
  const fast = scanOrdinaryRecord(buf, start, end);
  if (fast) return { seq: fast.seq, prev: fast.prev };
  try {
    const r = JSON.parse(buf.toString('utf8', start, end)) as { seq?: unknown; prev?: unknown };
    if (typeof r.seq === 'number' && Number.isSafeInteger(r.seq) && r.seq > 0) {
      if (typeof r.prev === 'string') return { seq: r.seq, prev: r.prev };
    }
  } catch {
    // not JSON: reported as not ok below
  }
  return null;
}

class Stop extends Error {}

export async function checkSegment(task: SegmentTask): Promise<SegmentReport> {
  const opening = await firstLine(task.path, task.start);
  if (!opening) return { ok: false, why: 'record 0 does not end before the split' };
  const checker = new ChainChecker();
  checker.push(opening, 0, opening.length);
  if (checker.bad || checker.records !== 1) return { ok: false, why: 'record 0 is bad' };
  const genesisHash = checker.head;
  const match = recordMatcher(task.filter);
  const limit = task.limit ?? Infinity;
  // Set inside the line callback, so held in an object the compiler does not narrow.
  const at: { claims: { seq: number; prev: string } | null } = { claims: null };
  let matches: string[] = [];
  let matched = 0;
  let accepted = 0;
  let read;
  try {
    read = await readLinesFromFile(
      task.path,
      (buf, start, end) => {
        if (!at.claims) {
          at.claims = claimsOf(buf, start, end);
          if (!at.claims) throw new Stop();
          checker.resumeAt(at.claims.seq, at.claims.prev);
        }
        checker.push(buf, start, end);
        if (checker.bad) throw new Stop();
        const r = checker.last!;
        accepted++;
        if (!match(r)) return;
        matched++;
        matches.push(r.line());
        if (matches.length >= 2 * limit) matches = matches.slice(-limit);
      },
      { start: task.start },
    );
  } catch (e) {
    if (e instanceof Stop) return { ok: false, why: 'a line of the second half does not verify' };
    throw e;
  }
  const last = checker.last;
  if (read.tail || read.overlong || !at.claims || !last) {
    return { ok: false, why: 'the second half ends torn, overlong or empty' };
  }
  if (matches.length > limit) matches = matches.slice(-limit);
  const { seq: firstSeq, prev: firstPrev } = at.claims;
  return {
    ok: true,
    genesisHash,
    firstSeq,
    firstPrev,
    state: checker.state(),
    accepted,
    lastLine: last.line(),
    matched,
    matches,
    totalBytes: read.totalBytes,
  };
}
