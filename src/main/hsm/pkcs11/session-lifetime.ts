// pool.max_lifetime: idle sessions opened longer ago than the limit are replaced. The new
// session opens before the old one closes, so a logged-in pool never drops to zero sessions
// (which would end the login); a busy session is left alone until it is idle again.
import type { Handle } from './protocol';

interface Aged {
  handle: Handle;
  lastUsed: number;
  opened: number;
}

export async function retireOld<S extends Aged>(
  idle: S[],
  maxLifetimeMs: number | undefined,
  now: number,
  ops: { open: () => Promise<S>; close: (h: Handle) => Promise<unknown>; replaced: () => void },
): Promise<void> {
  if (!maxLifetimeMs) return;
  for (const old of idle.filter((s) => now - s.opened >= maxLifetimeMs)) {
    let fresh: S;
    try {
      fresh = await ops.open();
    } catch {
      return; // The token may be busy or gone; the health check deals with that.
    }
    const i = idle.indexOf(old);
    if (i < 0) {
      // Taken for work meanwhile: it is replaced on a later round; the pool must not grow.
      await ops.close(fresh.handle);
      continue;
    }
    idle.splice(i, 1, fresh);
    ops.replaced();
    await ops.close(old.handle);
  }
}
