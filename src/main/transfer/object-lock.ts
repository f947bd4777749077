// SoftHSM 2.6 fails now and then (CKR_GENERAL_ERROR from C_UnwrapKey or C_GenerateKeyPair) when
// a token object is created while another thread of the process signs, on any of its tokens;
// session objects do not trigger it. A migration therefore creates and destroys token objects
// alone on their module, while everything else runs side by side. The lock is per module path
// (both tokens of one module share it) and costs little on modules that would not need it.

type Waiter = { exclusive: boolean; go: () => void };

export class ModuleLock {
  private readers = 0;
  private writer = false;
  private readonly queue: Waiter[] = [];

  /** Runs `fn` alongside other shared work, but never during exclusive work. */
  shared<T>(fn: () => Promise<T>): Promise<T> {
    return this.run(false, fn);
  }

  /** Runs `fn` alone. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.run(true, fn);
  }

  private async run<T>(exclusive: boolean, fn: () => Promise<T>): Promise<T> {
    await this.acquire(exclusive);
    try {
      return await fn();
    } finally {
      if (exclusive) this.writer = false;
      else this.readers--;
      this.wake();
    }
  }

  private acquire(exclusive: boolean): Promise<void> {
    // A waiting writer blocks new readers, so exclusive work is not starved by a busy batch.
    if (this.queue.length === 0 && this.free(exclusive)) {
      this.take(exclusive);
      return Promise.resolve();
    }
    return new Promise((go) => this.queue.push({ exclusive, go }));
  }

  private free(exclusive: boolean): boolean {
    return !this.writer && (!exclusive || this.readers === 0);
  }

  private take(exclusive: boolean): void {
    if (exclusive) this.writer = true;
    else this.readers++;
  }

  private wake(): void {
    while (this.queue.length > 0 && this.free(this.queue[0]!.exclusive)) {
      const w = this.queue.shift()!;
      this.take(w.exclusive);
      w.go();
    }
  }
}

const locks = new Map<string, ModuleLock>();

export function moduleLock(modulePath: string): ModuleLock {
  let lock = locks.get(modulePath);
  if (!lock) {
    lock = new ModuleLock();
    locks.set(modulePath, lock);
  }
  return lock;
}
