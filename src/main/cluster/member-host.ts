// A group member's PKCS#11 provider in a process of its own (started by member-process.ts with
// child_process.fork). It has its own copy of the module and its own sessions, and calls the
// module synchronously on its main thread, so a member that crashes or is killed takes no other member with it, and members of one
// software library (SoftHSM) each get a library instance and a core. It opens the member named
// in the first message, with the PIN that message carries, then answers calls until the parent
// goes away.
import { setPkcs11WorkerEntry } from '../hsm/pkcs11/executor';
import { openPkcs11 } from '../hsm/open';
import type { TokenProvider } from '../hsm/provider';
import { parsePkcs11Uri } from '../hsm/uri';
import { Secret } from '../../shared/secret';
import { MEMBER_METHODS, toWire } from './member-protocol';
import type { FromHost, ToHost } from './member-protocol';

if (import.meta.url.endsWith('.js')) {
  setPkcs11WorkerEntry(new URL('./pkcs11-worker.js', import.meta.url));
}

const send = (m: FromHost) => process.send!(m);
let provider: TokenProvider | null = null;
let outbox: Extract<FromHost, { t: 'replies' }>['replies'] = [];

function reply(r: (typeof outbox)[number]): void {
  outbox.push(r);
  if (outbox.length > 1) return;
  setImmediate(() => {
    const replies = outbox;
    outbox = [];
    send({ t: 'replies', replies });
  });
}

async function open(m: Extract<ToHost, { t: 'open' }>): Promise<void> {
  const pin = m.pin ? Secret.adopt(m.pin) : null;
  try {
    provider = await openPkcs11(parsePkcs11Uri(m.address), {
      login: pin ? 'always' : 'never',
      readPin: () => Promise.resolve(Secret.adopt(pin!.copy())),
      // By default the module runs on this process's main thread (threads 0): the host does
      // nothing else, and a hop to a worker thread costs more than a fast token's signature.
      threads: m.threads ?? 0,
    });
    send({ t: 'opened' });
  } catch (e) {
    send({ t: 'open-failed', error: toWire(e) });
  } finally {
    pin?.dispose();
  }
}

process.on('message', (m: ToHost) => {
  if (m.t === 'open') {
    void open(m);
    return;
  }
  for (const c of m.calls) {
    const p = provider;
    if (!p || !MEMBER_METHODS.includes(c.method)) {
      reply({ id: c.id, error: { code: 107, message: `the member host cannot ${c.method}` } });
      continue;
    }
    const fn = p[c.method] as (...a: unknown[]) => Promise<unknown>;
    fn.apply(p, c.args).then(
      (value) => reply({ id: c.id, value }),
      (e: unknown) => reply({ id: c.id, error: toWire(e) }),
    );
  }
});

// The parent closed the pipe (closed the member, or died): finish, freeing the token.
process.on('disconnect', () => {
  const p = provider;
  provider = null;
  void (p?.close() ?? Promise.resolve()).finally(() => process.exit(0));
});
