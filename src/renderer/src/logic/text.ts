// Small pure helpers the screens share: validation issues with their line and column, quorum
// progress, paths inside a run directory, fingerprints in readable groups.

export interface ScriptIssue {
  line: number | null;
  col: number | null;
  message: string;
}

/** `file:12:3: message` lines (the loader's format) → issues; other text is kept as is. */
export function scriptIssues(message: string): ScriptIssue[] {
  const out: ScriptIssue[] = [];
  for (const raw of message.split('\n')) {
    const line = raw.trim();
    if (!line || /^\d+ problems in /.test(line)) continue;
    const m = /^(?:.*?):(\d+):(\d+): (.*)$/.exec(line);
    out.push(
      m
        ? { line: Number(m[1]), col: Number(m[2]), message: m[3] ?? '' }
        : { line: null, col: null, message: line },
    );
  }
  return out;
}

/** "2 of 3 shares presented" for a share request. */
export function quorumProgress(presented: number, need: number): string {
  return `${Math.min(presented, need)} of ${need}`;
}

/** A path main reported relative to the run directory, made absolute for the officer. */
export function inRunDir(dir: string | null, rel: string): string {
  if (!dir || rel.startsWith('/')) return rel;
  return `${dir.replace(/\/+$/, '')}/${rel}`;
}

/** Hex in groups of four, so a room can read it aloud and compare. */
export function groupHex(hex: string): string {
  return (hex.match(/.{1,4}/g) ?? []).join(' ');
}

/** Seconds since the epoch → the time of day a room reads off the timeline. */
export function timeOfDay(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toISOString().slice(11, 19);
}

/** A directory name for a new run: the ceremony id and the UTC date and time. */
export function suggestRunDir(workspace: string, ceremonyId: string, now: Date): string {
  const stamp = now.toISOString().slice(0, 16).replace(/[-:]/g, '').replace('T', '-');
  return `${workspace.replace(/\/+$/, '')}/${ceremonyId}-${stamp}`;
}

/** A split secret's id as the room says it: `token-pins`, `backup-kek:LABEL`, else the id. */
export function secretName(secretId: string): string {
  if (secretId === 'token-pins') return "the ceremony token's PINs";
  const kek = /^backup-kek:(.+)$/.exec(secretId);
  if (kek) return `backup key ${kek[1]}`;
  return secretId;
}
