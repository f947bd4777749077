// Checks ledger lines in order and stops believing at the first bad one. Hot path: an ordinary
// record proved canonical by one scan of its bytes (canonical-scan.ts) and one SHA-256 over them;
// any other line (record 0, a head signature, non-ASCII text, anything wrong) is judged the full
// way: JSON.parse, a JCS comparison, then the same hash and chain checks. Key parsing and
// signature checks happen only at record 0 and at chain.signed records.
import { headSignatureMessage, loadAuditKey, verifySignature, type LoadedKey } from './audit-key';
import { hashLineInPlace, isCanonicalText, topLevelHashOffset } from './canonical';
import { scanOrdinaryRecord, type VerifiedRecord } from './canonical-scan';
import { MAX_LINE_BYTES } from './line-reader';
import {
  EVENT_OPENED,
  EVENT_SIGNED,
  GENESIS_PREV,
  HEAD_SIGNATURES_NONE,
  LEDGER_FORMAT,
  LEDGER_FORMAT_UNSIGNED,
  type LedgerRecord,
} from './types';

export type BadReason =
  | 'edited'
  | 'reordered'
  | 'missing'
  | 'bad-signature'
  | 'malformed'
  | 'torn-tail'
  | 'head-mismatch'
  | 'key-mismatch'
  | 'incomplete';

export interface BadRecord {
  /** The record's seq as written (or the seq expected there when it cannot be read). */
  seq: number | null;
  /** 1-based line number in the file. */
  line: number;
  reason: BadReason;
  message: string;
}

const HEX64 = /^[0-9a-f]{64}$/;
const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const SEQ_MEMBER = Buffer.from(',"seq":');

export const short = (hash: string): string => `${hash.slice(0, 16)}…`;

/** Why a parsed line is not shaped like a record, or null. */
function shapeProblem(value: unknown): string | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return 'it is not a JSON object';
  }
  const r = value as Record<string, unknown>;
  let fields = 0;
  for (const _ in r) fields++;
  if (typeof r.seq !== 'number' || !Number.isSafeInteger(r.seq) || r.seq < 0) {
    return '"seq" is missing or not a non-negative integer';
  }
  if (typeof r.time !== 'string' || !TIME.test(r.time) || Number.isNaN(Date.parse(r.time))) {
    return '"time" is missing or not ISO 8601 UTC with milliseconds';
  }
  if (typeof r.actor !== 'string' || r.actor === '') return '"actor" is missing or empty';
  if (r.step !== null && typeof r.step !== 'string')
    return '"step" is missing or not a string or null';
  if (typeof r.type !== 'string' || r.type === '') return '"type" is missing or empty';
  if (r.data === null || typeof r.data !== 'object' || Array.isArray(r.data)) {
    return '"data" is missing or not an object';
  }
  if (typeof r.prev !== 'string' || !HEX64.test(r.prev))
    return '"prev" is missing or not 64 hex digits';
  if (typeof r.hash !== 'string' || !HEX64.test(r.hash))
    return '"hash" is missing or not 64 hex digits';
  if (fields !== 8)
    return 'it has fields other than seq, time, actor, step, type, data, prev and hash';
  return null;
}

/** Reads a record number out of a line that may be damaged; only for classifying a gap. */
function seqOfLine(buf: Buffer, start: number, end: number): number | null {
  const at = buf.lastIndexOf(SEQ_MEMBER, end - 1);
  if (at < start) return null;
  let n = 0;
  let i = at + SEQ_MEMBER.length;
  const first = i;
  for (; i < end && buf[i]! >= 0x30 && buf[i]! <= 0x39; i++) n = n * 10 + (buf[i]! - 0x30);
  return i > first ? n : null;
}

/** A record the full path parsed: already whole. */
export class ParsedRecord implements VerifiedRecord {
  readonly seq: number;
  readonly type: string;
  readonly time: string;
  readonly hash: string;
  readonly prev: string;
  constructor(
    private readonly r: LedgerRecord,
    private readonly text: string,
  ) {
    ({ seq: this.seq, type: this.type, time: this.time, hash: this.hash, prev: this.prev } = r);
  }

  record(): LedgerRecord {
    return this.r;
  }

  line(): string {
    return this.text;
  }
}

/** The counters of a checker, as one thread hands them to another. */
export interface ChainState {
  lines: number;
  records: number;
  head: string;
  signaturesChecked: number;
  lastSignedSeq: number | null;
  lastSignatureAt: number | null;
  beforeLastType: string | null;
}

export class ChainChecker {
  lines = 0;
  records = 0;
  head = GENESIS_PREV;
  ceremonyId: string | null = null;
  key: LoadedKey | null = null;
  /** Record 0 verified and declares that no key signs this ledger (audit_key null). */
  unsigned = false;
  signaturesChecked = 0;
  lastSignedSeq: number | null = null;
  lastSignatureAt: number | null = null;
  /** Only the last good record is kept, so memory stays flat however long the ledger is. */
  last: VerifiedRecord | null = null;
  /** The type of the record before `last`: a complete ledger ends ceremony.finished, chain.signed. */
  beforeLastType: string | null = null;
  bad: BadRecord | null = null;
  // A forward jump in seq is "missing" unless the skipped records turn up later ("reordered").
  private gap: { from: number; to: number; found: boolean } | null = null;

  constructor(
    private readonly expectedKeyFingerprint?: string,
    private readonly requireAuditKey = false,
  ) {}

  readonly push = (buf: Buffer, start: number, end: number): void => {
    this.lines++;
    if (this.bad) {
      if (this.gap && !this.gap.found) {
        const seq = seqOfLine(buf, start, end);
        if (seq !== null && seq >= this.gap.from && seq < this.gap.to) this.gap.found = true;
      }
      return;
    }
    const record = this.check(buf, start, end);
    if (!record) return;
    this.head = record.hash;
    this.records++;
    this.beforeLastType = this.last?.type ?? null;
    this.last = record;
  };

  /**
   * Makes this checker (which has verified record 0, so it holds the audit key) continue a chain
   * whose records before `seq` another checker verifies: it now expects record `seq` linking to
   * `prev`. Both are the next line's own claims; whoever verifies the records before must confirm
   * them (verify-parallel.ts) before anything this checker accepts is believed.
   */
  resumeAt(seq: number, prev: string): void {
    this.records = seq;
    this.lines = seq;
    this.head = prev;
    this.last = null;
    this.beforeLastType = null;
  }

  /** What a resumed checker verified, to hand back to the checker of the records before. */
  state(): ChainState {
    return {
      lines: this.lines,
      records: this.records,
      head: this.head,
      signaturesChecked: this.signaturesChecked,
      lastSignedSeq: this.lastSignedSeq,
      lastSignatureAt: this.lastSignatureAt,
      beforeLastType: this.beforeLastType,
    };
  }

  /**
   * Takes on the state of a checker resumed at this one's next record (its `first` record) once
   * the caller has confirmed the link: afterwards this checker reads as if it had seen every line.
   */
  absorb(next: ChainState, last: VerifiedRecord, accepted: number): void {
    this.beforeLastType = accepted > 1 ? next.beforeLastType : (this.last?.type ?? null);
    this.lines = next.lines;
    this.records = next.records;
    this.head = next.head;
    this.signaturesChecked += next.signaturesChecked;
    if (next.lastSignedSeq !== null) {
      this.lastSignedSeq = next.lastSignedSeq;
      this.lastSignatureAt = next.lastSignatureAt;
    }
    this.last = last;
  }

  /** Settles a pending gap once every line has been seen. */
  finish(): BadRecord | null {
    if (this.bad && this.gap) {
      const { from, to, found } = this.gap;
      const at = `record ${to} (line ${this.bad.line})`;
      this.bad = found
        ? {
            ...this.bad,
            reason: 'reordered',
            message: `Line ${this.bad.line} holds record ${to} where record ${from} belongs, and record ${from} comes later: records are out of order.`,
          }
        : {
            ...this.bad,
            reason: 'missing',
            message:
              to - from === 1
                ? `Record ${from} is missing before ${at}: a record was removed from the middle.`
                : `Records ${from}..${to - 1} are missing before ${at}: records were removed from the middle.`,
          };
      this.gap = null;
    }
    return this.bad;
  }

  private fail(reason: BadReason, seq: number | null, message: string): null {
    this.bad = { seq, line: this.lines, reason, message };
    return null;
  }

  private check(buf: Buffer, start: number, end: number): VerifiedRecord | null {
    const line = this.lines;
    const expected = this.records;
    if (end === start) return this.fail('malformed', expected, `Line ${line} is empty.`);
    if (end - start > MAX_LINE_BYTES) {
      return this.fail(
        'malformed',
        expected,
        `Line ${line} is longer than ${MAX_LINE_BYTES} bytes.`,
      );
    }
    // The fast path only ever accepts: a line it cannot prove good, or that is bad in any way,
    // is judged again below, so what is refused and how it is worded do not depend on it.
    const fast = scanOrdinaryRecord(buf, start, end);
    if (
      fast &&
      fast.seq === expected &&
      fast.prev === this.head &&
      fast.hash === hashLineInPlace(buf, start, end, fast.hashAt)
    )
      return fast;
    const text = buf.toString('utf8', start, end);
    // Invalid UTF-8 decodes to U+FFFD; only then is a byte comparison needed.
    if (text.includes('\uFFFD') && !Buffer.from(text, 'utf8').equals(buf.subarray(start, end))) {
      return this.fail('malformed', expected, `Line ${line} is not valid UTF-8.`);
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      return this.fail('malformed', expected, `Line ${line} is not JSON (${why}).`);
    }
    const problem = shapeProblem(value);
    if (problem) {
      return this.fail('malformed', expected, `Line ${line} is not a ledger record: ${problem}.`);
    }
    const r = value as LedgerRecord;
    const name = `Record ${r.seq} (line ${line})`;
    if (!isCanonicalText(value, text)) {
      return this.fail(
        'malformed',
        r.seq,
        `${name} is not written in canonical JSON (RFC 8785), so its hash cannot be checked as written.`,
      );
    }
    const at = topLevelHashOffset(buf, start, end, text);
    if (at < 0) return this.fail('malformed', r.seq, `${name} has no top-level hash member.`);
    return this.follow(new ParsedRecord(r, text), hashLineInPlace(buf, start, end, at));
  }

  /** The checks after a line is known to be a canonical record: its hash, place and content. */
  private follow(r: VerifiedRecord & { prev: string }, actual: string): VerifiedRecord | null {
    const expected = this.records;
    const name = `Record ${r.seq} (line ${this.lines})`;
    if (actual !== r.hash) {
      return this.fail(
        'edited',
        r.seq,
        `${name} has been edited: its content hashes to ${short(actual)} but its hash field says ${short(r.hash)}.`,
      );
    }
    if (r.seq < expected) {
      return this.fail(
        'reordered',
        r.seq,
        `${name} comes after record ${expected - 1}: records are out of order or repeated.`,
      );
    }
    if (r.seq > expected) {
      this.gap = { from: expected, to: r.seq, found: false };
      return this.fail('missing', r.seq, `${name} follows record ${expected - 1}.`);
    }
    if (r.prev !== this.head) {
      return this.fail(
        'missing',
        r.seq,
        r.seq === 0
          ? `${name} has prev ${short(r.prev)} instead of 64 zeros: the ledger does not start at its first record.`
          : `${name} does not link to record ${r.seq - 1}: its prev is ${short(r.prev)} but record ${r.seq - 1} hashes to ${short(this.head)}, so records were removed and renumbered or record ${r.seq - 1} was rewritten.`,
      );
    }
    if (r.seq === 0) return this.checkOpening(r.record(), name) && r;
    if (r.type === EVENT_OPENED) {
      return this.fail('malformed', r.seq, `${name} is a second ${EVENT_OPENED} record.`);
    }
    if (r.type === EVENT_SIGNED) return this.checkSignature(r.record(), name) && r;
    return r;
  }

  private checkOpening(r: LedgerRecord, name: string): LedgerRecord | null {
    const d = r.data;
    const unusable = (why: string) =>
      this.fail('malformed', 0, `${name} cannot anchor the ledger: ${why}.`);
    if (r.type !== EVENT_OPENED) return unusable(`it is a ${r.type} record, not ${EVENT_OPENED}`);
    if (d.format !== LEDGER_FORMAT && d.format !== LEDGER_FORMAT_UNSIGNED) {
      return unusable(`its data.format is not "${LEDGER_FORMAT}" or "${LEDGER_FORMAT_UNSIGNED}"`);
    }
    if (typeof d.ceremony_id !== 'string' || d.ceremony_id === '') {
      return unusable('its data.ceremony_id is missing');
    }
    const want = this.expectedKeyFingerprint?.toLowerCase().replace(/[\s:]/g, '');
    if (d.format === LEDGER_FORMAT_UNSIGNED) {
      // Both halves of the declaration or neither: one alone is a damaged or confused record 0.
      if (d.audit_key !== null) {
        return unusable(
          `its data.format "${LEDGER_FORMAT_UNSIGNED}" declares a ledger without an audit key, but data.audit_key is not null`,
        );
      }
      if (d.head_signatures !== HEAD_SIGNATURES_NONE) {
        return unusable(
          `its data.audit_key is null but data.head_signatures is not "${HEAD_SIGNATURES_NONE}"`,
        );
      }
      if (want) {
        return this.fail(
          'key-mismatch',
          0,
          `${name} declares that this ledger has no audit key, so it is not the ledger of the expected key ${short(want)}.`,
        );
      }
      if (this.requireAuditKey) {
        return this.fail(
          'key-mismatch',
          0,
          `${name} declares that this ledger has no audit key, but a ceremony's ledger must name the audit key that signs it.`,
        );
      }
      this.unsigned = true;
      this.ceremonyId = d.ceremony_id;
      return r;
    }
    if (d.audit_key === null) {
      return unusable(
        `its data.audit_key is null, which only a "${LEDGER_FORMAT_UNSIGNED}" ledger declaring head_signatures "${HEAD_SIGNATURES_NONE}" may say`,
      );
    }
    const key = loadAuditKey(d.audit_key);
    if (typeof key === 'string') return unusable(key);
    if (want && want !== key.info.fingerprint_sha256) {
      return this.fail(
        'key-mismatch',
        0,
        `${name} names audit key ${short(key.info.fingerprint_sha256)}, not the expected ${short(want)}: this is not the ledger of the expected key.`,
      );
    }
    this.key = key;
    this.ceremonyId = d.ceremony_id;
    return r;
  }

  private checkSignature(r: LedgerRecord, name: string): LedgerRecord | null {
    const d = r.data;
    if (this.unsigned) {
      return this.fail(
        'bad-signature',
        r.seq,
        `Record ${r.seq} (line ${this.lines}) is a head signature, but record 0 declares that this ledger has no audit key.`,
      );
    }
    const key = this.key!;
    const keys = Object.keys(d).sort().join(',');
    if (keys !== 'algorithm,head,seq_signed,signature') {
      return this.fail(
        'malformed',
        r.seq,
        `${name} is a ${EVENT_SIGNED} record whose data is not exactly {algorithm, head, seq_signed, signature}.`,
      );
    }
    if (typeof d.signature !== 'string' || !BASE64.test(d.signature)) {
      return this.fail('malformed', r.seq, `${name} has a signature that is not base64.`);
    }
    const wrong = (why: string) => this.fail('bad-signature', r.seq, `${name} ${why}.`);
    if (d.head !== r.prev) {
      return wrong(
        `signs head ${String(d.head).slice(0, 16)}… but follows record ${r.seq - 1}, whose hash is ${short(r.prev)}`,
      );
    }
    if (d.seq_signed !== r.seq - 1) {
      return wrong(`says it signs record ${String(d.seq_signed)} but follows record ${r.seq - 1}`);
    }
    if (d.algorithm !== key.info.algorithm) {
      return wrong(
        `is signed with ${String(d.algorithm)} but the audit key in record 0 is ${key.info.algorithm}`,
      );
    }
    const message = headSignatureMessage(this.ceremonyId!, r.seq - 1, r.prev);
    const signature = Buffer.from(d.signature, 'base64');
    if (!verifySignature(key.key, key.info.algorithm, message, signature)) {
      return wrong(
        `holds a signature over head ${short(r.prev)} (record ${r.seq - 1}) that does not verify under the audit key from record 0`,
      );
    }
    this.signaturesChecked++;
    this.lastSignedSeq = r.seq - 1;
    this.lastSignatureAt = r.seq;
    return r;
  }
}
