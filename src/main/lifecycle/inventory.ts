// The signed key inventory (docs/lifecycle.md): every family on one token, its versions, their
// states and metadata, in a JSON file signed by the token's own key `olocus-inventory`. Read
// back, it must verify with that key on that token, or it is refused and left as it is. A lock
// file beside it keeps two changes (two rotations, say) from running at once, across processes.
import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ErrorCode, OlocusError } from '../../shared/errors';
import { canonicalJson } from '../audit/index';
import { exists, replaceAtomically } from '../audit/durable';
import type { TokenProvider } from '../hsm/provider';
import { verifyWithSpki } from '../hsm/software-verify';
import type { FamilyRecord } from './model';

export const INVENTORY_FORMAT = 'olocus-key-inventory/1';
/** The token key that signs the inventory; made the first time a family is written. */
export const INVENTORY_KEY = 'olocus-inventory';

export interface InventoryDoc {
  format: typeof INVENTORY_FORMAT;
  token: { label: string; serial: string; model: string; manufacturer: string };
  updatedAt: string;
  families: Record<string, FamilyRecord>;
}

export interface InventorySignature {
  key: string;
  algorithm: 'ecdsa-p256-sha256';
  spkiSha256: string;
  value: string;
}

export interface LoadedInventory {
  doc: InventoryDoc;
  /** Null for an inventory not yet written. */
  signature: InventorySignature | null;
  path: string;
}

const invalid = (m: string) => new OlocusError(ErrorCode.INVALID_INPUT, m);

async function tokenIdentity(p: TokenProvider): Promise<InventoryDoc['token']> {
  const t = await p.tokenInfo();
  return { label: t.label, serial: t.serial, model: t.model, manufacturer: t.manufacturer };
}

/** Reads and verifies the inventory at `path` for the token `p` opens; empty when absent. */
export async function loadInventory(p: TokenProvider, path: string): Promise<LoadedInventory> {
  const token = await tokenIdentity(p);
  if (!(await exists(path)))
    return {
      doc: { format: INVENTORY_FORMAT, token, updatedAt: '', families: {} },
      signature: null,
      path,
    };
  let parsed: InventoryDoc & { signature?: InventorySignature };
  try {
    parsed = JSON.parse(await readFile(path, 'utf8')) as typeof parsed;
  } catch (e) {
    throw invalid(
      `The key inventory ${path} is not JSON (${(e as Error).message}); it was left as it is.`,
    );
  }
  const { signature, ...doc } = parsed;
  if (doc.format !== INVENTORY_FORMAT || typeof doc.families !== 'object' || !signature)
    throw invalid(
      `${path} is not a signed key inventory (${INVENTORY_FORMAT}); it was left as it is.`,
    );
  if (doc.token?.serial !== token.serial || doc.token?.label !== token.label)
    throw invalid(
      `The key inventory ${path} is for token "${doc.token?.label}" (serial ${doc.token?.serial}), not "${token.label}" (serial ${token.serial}).`,
    );
  let spki: Uint8Array;
  try {
    spki = await p.publicKey({ label: INVENTORY_KEY, class: 'public' });
  } catch (cause) {
    throw new OlocusError(
      ErrorCode.KEY_NOT_FOUND,
      `The key inventory ${path} is signed by "${INVENTORY_KEY}", which token "${token.label}" no longer holds; it cannot be trusted.`,
      { cause },
    );
  }
  const sha = createHash('sha256').update(spki).digest('hex');
  const ok =
    sha === signature.spkiSha256 &&
    verifyWithSpki(
      spki,
      'ecdsa-sha256',
      Buffer.from(canonicalJson(doc), 'utf8'),
      Buffer.from(signature.value, 'base64'),
    );
  if (!ok)
    throw invalid(
      `The key inventory ${path} does not verify with "${INVENTORY_KEY}" on token "${token.label}": it was changed outside Olocus. It was left as it is and nothing on the token was touched.`,
    );
  return { doc, signature, path };
}

/** Signs `doc` with the token's inventory key (made on first use) and replaces the file. */
export async function saveInventory(
  p: TokenProvider,
  inv: LoadedInventory,
  now: Date,
): Promise<InventorySignature> {
  const doc: InventoryDoc = {
    ...inv.doc,
    token: await tokenIdentity(p),
    updatedAt: now.toISOString(),
  };
  const found = await p.listKeys({ label: INVENTORY_KEY, class: 'private' });
  if (found.length === 0)
    await p.generateKey('ec-p256', { label: INVENTORY_KEY, extractable: false });
  const spki = await p.publicKey({ label: INVENTORY_KEY, class: 'public' });
  const sig = await p.sign(
    { label: INVENTORY_KEY, class: 'private' },
    Buffer.from(canonicalJson(doc), 'utf8'),
    'ecdsa-sha256',
  );
  const signature: InventorySignature = {
    key: INVENTORY_KEY,
    algorithm: 'ecdsa-p256-sha256',
    spkiSha256: createHash('sha256').update(spki).digest('hex'),
    value: Buffer.from(sig.signature).toString('base64'),
  };
  await replaceAtomically(inv.path, `${JSON.stringify({ ...doc, signature }, null, 2)}\n`, 0o600);
  inv.doc = doc;
  inv.signature = signature;
  return signature;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Runs `fn` holding `PATH.lock` (O_EXCL). A lock left by a process that died is taken over; one
 * held by a live process refuses the second change, naming what holds it.
 */
export async function withInventoryLock<T>(
  path: string,
  what: string,
  fn: () => Promise<T>,
): Promise<T> {
  const lock = `${path}.lock`;
  // The default inventory (keys/<serial>.json in the workspace) has no folder until the first change.
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const body = JSON.stringify({ pid: process.pid, what, since: new Date().toISOString() });
  for (let attempt = 0; ; attempt++) {
    try {
      const h = await open(lock, 'wx', 0o600);
      await h.writeFile(body);
      await h.close();
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw e;
      const held = await readFile(lock, 'utf8')
        .then((t) => JSON.parse(t) as { pid?: number; what?: string; since?: string })
        .catch(() => ({}) as { pid?: number; what?: string; since?: string });
      // A lock whose holder cannot be read (being written this instant) counts as held.
      if (typeof held.pid !== 'number' || alive(held.pid))
        throw new OlocusError(
          ErrorCode.POLICY_VIOLATION,
          `Another change is under way on this token's key inventory (${held.what ?? 'unknown'}, process ${held.pid}, since ${held.since ?? '?'}); ${what} was refused and nothing was made. Try again when it has finished.`,
        );
      await rm(lock, { force: true });
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lock, { force: true });
  }
}
