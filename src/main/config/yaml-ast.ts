// Positions and structural checks on the parsed YAML document. The schema sees plain JS values;
// this module maps its key paths back to line and column, and finds what plain values cannot
// show (a key written twice, a secret-looking key wherever it appears).

import { isAlias, isMap, isScalar, isSeq } from 'yaml';
import type { Document, LineCounter, Node, Pair } from 'yaml';
import { inlineSecretMessage, isSecretKey } from './secrets';
import type { ConfigIssue, PathSegment } from './issues';
import { dottedPath } from './issues';

export interface SourceMap {
  doc: Document;
  lineCounter: LineCounter;
}

export interface Position {
  line: number;
  col: number;
}

export function positionAt(map: SourceMap, offset: number): Position {
  const { line, col } = map.lineCounter.linePos(offset);
  return { line: Math.max(1, line), col: Math.max(1, col) };
}

function keyText(pair: Pair): string {
  return isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
}

function deref(map: SourceMap, node: unknown): unknown {
  return isAlias(node) ? node.resolve(map.doc) : node;
}

function startOf(node: unknown): number | undefined {
  return (node as Node | null)?.range?.[0];
}

/**
 * Where `path` is written. `at: 'key'` points at the key itself (for unknown or misplaced keys);
 * `at: 'value'` points at a scalar value, or at the key when the value is a section or empty.
 * A path that is not in the file (a missing key) points at its nearest written ancestor.
 */
export function locate(
  map: SourceMap,
  path: readonly PathSegment[],
  at: 'key' | 'value' = 'value',
): Position {
  let node: unknown = map.doc.contents;
  let keyNode: unknown;
  let found = 0;
  for (const seg of path) {
    const cur = deref(map, node);
    if (isMap(cur)) {
      // The last of duplicate keys: it is the one the parsed value came from.
      const pair = cur.items.findLast((p) => keyText(p) === String(seg));
      if (!pair) break;
      keyNode = pair.key;
      node = pair.value;
    } else if (isSeq(cur) && typeof seg === 'number' && seg < cur.items.length) {
      keyNode = cur.items[seg];
      node = cur.items[seg];
    } else break;
    found++;
  }
  let offset: number | undefined;
  if (found === path.length && at === 'value') {
    const v = deref(map, node);
    if (isScalar(v) && v.value !== null) offset = startOf(v);
  }
  offset ??= startOf(keyNode) ?? startOf(map.doc.contents) ?? 0;
  return positionAt(map, offset);
}

type PairVisitor = (pair: Pair, key: string, parent: readonly PathSegment[]) => void;

function walkPairs(node: unknown, parent: PathSegment[], visit: PairVisitor): void {
  // Aliases are not followed: their target is walked where it is written, and cycles stay out.
  if (isMap(node)) {
    for (const pair of node.items) {
      const key = keyText(pair);
      visit(pair, key, parent);
      walkPairs(pair.value, [...parent, key], visit);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => walkPairs(item, [...parent, i], visit));
  }
}

/** Duplicate keys and inline secrets, each located at the offending key. */
export function structuralIssues(map: SourceMap): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const firstSeen = new Map<string, Position>();
  walkPairs(map.doc.contents, [], (pair, key, parent) => {
    const path = [...parent, key];
    const pos = positionAt(map, startOf(pair.key) ?? 0);
    const id = JSON.stringify(path);
    const first = firstSeen.get(id);
    if (first) {
      const where = parent.length > 0 ? ` in ${dottedPath(parent)}` : '';
      issues.push({
        path: dottedPath(path),
        ...pos,
        message: `duplicate key "${key}"${where} (first written at line ${first.line})`,
      });
    } else firstSeen.set(id, pos);
    if (isSecretKey(key)) {
      issues.push({ path: dottedPath(path), ...pos, message: inlineSecretMessage(key) });
    }
  });
  return issues;
}
