// A group member whose PKCS#11 provider runs in a child process (member-host.ts). The group sees
// an ordinary member; when the process dies (a crash, SIGKILL, the OOM killer) every call in
// flight and every later call fails with error 100 naming the member, which the group reads as
// "the token is gone": the member is out at once and its requests go to the next member.
// Recovery opens the member again, which starts a new process.
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ErrorCode, OlocusError } from '../../shared/errors';
import type { Secret } from '../../shared/secret';
import { checkUri } from '../hsm/open';
import type { LoginMode, OpenPkcs11Options } from '../hsm/open';
import { readPin } from '../hsm/pin';
import { parsePinSource, parsePkcs11Uri } from '../hsm/uri';
import { fromWire } from './member-protocol';
import type { FromHost, MemberMethod, ToHost } from './member-protocol';
import { memberName } from './members';
import type { MemberProvider } from './members';

export interface MemberProcess extends MemberProvider {
  /** The process id of the member host (what an operator, or a test, would kill). */
  readonly pid: number;
}

export interface MemberProcessOptions {
  /** auto (default): read the PIN when the URI has pin-source; always: also prompt. */
  login?: LoginMode;
  readPin?: OpenPkcs11Options['readPin'];
  /** PKCS#11 worker threads in the member host (default 0: the host calls the module on its main thread). */
  threads?: number;
}

/** Built, the host is a file beside the bundle (set by the entry point); from sources, .ts. */
let hostEntry: URL | null = null;

export function setMemberHostEntry(url: URL): void {
  hostEntry = url;
}

function forkHost(): ChildProcess {
  const here = new URL(import.meta.url);
  const fromSources = !hostEntry && here.pathname.endsWith('.ts');
  const entry = fromSources
    ? new URL('./member-host.ts', here)
    : (hostEntry ?? new URL('./member-host.js', here));
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return fork(fileURLToPath(entry), [], {
    execArgv: fromSources ? ['--import', tsx] : [],
    serialization: 'advanced',
    // stdout stays ours (--json); the host's stderr is kept to explain a death.
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
}

type Pending = { resolve: (v: unknown) => void; reject: (e: unknown) => void };

/** Starts a member host for `address`, sends it the PIN over the pipe, and waits until it is open. */
export async function openMemberProcess(
  address: string,
  opts: MemberProcessOptions = {},
): Promise<MemberProcess> {
  const uri = parsePkcs11Uri(address);
  checkUri(uri);
  const name = memberName(address);
  const mode = opts.login ?? 'auto';
  let pin: Secret | null = null;
  if (mode === 'always' || (mode === 'auto' && uri.pinSource !== undefined)) {
    const source = uri.pinSource === undefined ? undefined : parsePinSource(uri.pinSource);
    pin = await (opts.readPin ?? readPin)(source, { prompt: `PIN for member ${name}: ` });
  }
  const child = forkHost();
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (s: string) => {
    stderr = (stderr + s).slice(-2000);
  });
  (child.stderr as unknown as { unref?: () => void } | null)?.unref?.();
  const pending = new Map<number, Pending>();
  let dead: OlocusError | null = null;
  let nextId = 1;
  let outbox: Extract<ToHost, { t: 'calls' }>['calls'] = [];
  const idle = () => {
    // Only calls in flight keep the parent alive: an idle member never holds a CLI open.
    if (pending.size === 0) {
      child.unref();
      child.channel?.unref();
    }
  };
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      const how = signal ? `killed by ${signal}` : `exit code ${code}`;
      const tail = stderr.trim().split('\n').slice(-1)[0];
      dead = new OlocusError(
        ErrorCode.CONNECTION_FAILED,
        `The process of member ${name} (pid ${child.pid}) ended (${how})${tail ? `: ${tail}` : ''}.`,
      );
      for (const p of pending.values()) p.reject(dead);
      pending.clear();
      resolve();
    });
  });
  child.on('error', () => undefined); // 'exit' follows and says what happened.

  const opened = new Promise<void>((resolve, reject) => {
    const onMessage = (m: FromHost) => {
      if (m.t === 'opened') resolve();
      else if (m.t === 'open-failed') reject(fromWire(m.error));
      else {
        for (const r of m.replies) {
          const p = pending.get(r.id);
          if (!p) continue;
          pending.delete(r.id);
          if ('error' in r) p.reject(fromWire(r.error));
          else p.resolve(r.value);
        }
        idle();
      }
    };
    child.on('message', onMessage);
    void exited.then(() => reject(dead));
  });
  const message: ToHost = {
    t: 'open',
    address,
    pin: pin ? pin.copy() : null,
    ...(opts.threads !== undefined ? { threads: opts.threads } : {}),
  };
  try {
    child.send(message);
  } finally {
    message.pin?.fill(0); // deliberate: the copy serialised to the child process
    pin?.dispose();
  }
  try {
    await opened;
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
  idle();

  const call = (method: MemberMethod, args: unknown[]): Promise<never> => {
    if (dead) return Promise.reject(dead);
    return new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      child.ref();
      child.channel?.ref();
      outbox.push({ id, method, args });
      if (outbox.length > 1) return;
      setImmediate(() => {
        const calls = outbox;
        outbox = [];
        if (dead) return; // The exit handler rejected them.
        try {
          child.send({ t: 'calls', calls } satisfies ToHost);
        } catch {
          /* the pipe closed: 'exit' rejects the calls */
        }
      });
    });
  };

  return {
    pid: child.pid!,
    sign: (...a) => call('sign', a),
    listKeys: (...a) => call('listKeys', a),
    publicKey: (...a) => call('publicKey', a),
    health: () =>
      dead
        ? Promise.resolve({
            ok: false,
            provider: 'pkcs11',
            latencyMs: 0,
            detail: (dead as OlocusError).describe(),
          })
        : call('health', []),
    close: async () => {
      if (dead) return;
      child.ref();
      try {
        child.disconnect();
      } catch {
        child.kill('SIGKILL');
      }
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
