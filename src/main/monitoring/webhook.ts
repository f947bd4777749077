// Alert notifications as an Alertmanager webhook receiver expects them (version 4: status,
// receiver, groupLabels, commonLabels, commonAnnotations, alerts with startsAt/endsAt), so the
// same receiver serves Alertmanager and this monitor. Delivery runs beside the monitor's work:
// `send` returns at once, a slow or failing receiver is retried with backoff, and nothing that
// signs ever waits for it. A webhook URL may carry its secret (a token in the query, user:pass),
// so every line logged names the URL redacted, and any text that came back is scrubbed too.
import type { Alert, Labels } from './alerts';

export interface WebhookPayload {
  version: '4';
  groupKey: string;
  truncatedAlerts: number;
  status: 'firing' | 'resolved';
  receiver: string;
  groupLabels: Labels;
  commonLabels: Labels;
  commonAnnotations: Labels;
  externalURL: string;
  alerts: Alert[];
}

const RECEIVER = 'olocus-ceremony';

function common(maps: readonly Labels[]): Labels {
  if (maps.length === 0) return {};
  const out: Labels = { ...maps[0] };
  for (const m of maps.slice(1))
    for (const k of Object.keys(out)) if (m[k] !== out[k]) delete out[k];
  return out;
}

export function webhookPayload(alerts: readonly Alert[], externalURL = ''): WebhookPayload {
  return {
    version: '4',
    groupKey: `{}:{receiver="${RECEIVER}"}`,
    truncatedAlerts: 0,
    status: alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    receiver: RECEIVER,
    groupLabels: {},
    commonLabels: common(alerts.map((a) => a.labels)),
    commonAnnotations: common(alerts.map((a) => a.annotations)),
    externalURL,
    // The measure is the app's (for its ledger note); Alertmanager's shape has no such field.
    alerts: alerts.map(({ measure: _measure, ...a }) => a),
  };
}

/** The URL with user info, query values and fragment replaced: safe to log. */
export function redactUrl(url: string): string {
  if (!URL.canParse(url)) return '(an unparsable URL)';
  const u = new URL(url);
  const redacted = new URL(`${u.protocol}//${u.host}${u.pathname}`);
  if (u.username || u.password) {
    redacted.username = 'REDACTED';
  }
  for (const k of u.searchParams.keys()) redacted.searchParams.set(k, 'REDACTED');
  return redacted.toString();
}

/** Every piece of `url` that could be a secret, longest first, for scrubbing free text. */
function secretParts(url: string): string[] {
  if (!URL.canParse(url)) return [url];
  const u = new URL(url);
  const parts = [url, u.search, u.username, u.password, u.hash.slice(1)];
  for (const v of u.searchParams.values()) parts.push(v, encodeURIComponent(v));
  return [...new Set(parts.filter((p) => p.length >= 3))].sort((a, b) => b.length - a.length);
}

export interface WebhookOptions {
  url: string;
  /** Attempts after the first; default 3. */
  retries?: number;
  /** Backoff before retry n is base × 2ⁿ (plus up to 20% jitter); default 500 ms. */
  backoffMs?: number;
  /** Per attempt; default 5 s. */
  timeoutMs?: number;
  log: (line: string) => void;
  /** Called once per notification: delivered, or failed after every retry. */
  onResult?: (result: 'sent' | 'failed') => void;
}

export class WebhookSender {
  private readonly pending = new Set<Promise<void>>();
  private readonly shown: string;
  private readonly secrets: string[];

  constructor(private readonly options: WebhookOptions) {
    this.shown = redactUrl(options.url);
    this.secrets = secretParts(options.url);
  }

  /** The URL as logs show it. */
  get displayUrl(): string {
    return this.shown;
  }

  private scrub(text: string): string {
    let out = text;
    for (const s of this.secrets) out = out.split(s).join('REDACTED');
    return out;
  }

  /** Queues a notification; never throws, never waits. */
  send(payload: WebhookPayload): void {
    const p = this.deliver(payload).finally(() => this.pending.delete(p));
    this.pending.add(p);
  }

  /** Waits for every queued notification (shutdown, tests). */
  async flush(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private async deliver(payload: WebhookPayload): Promise<void> {
    const { retries = 3, backoffMs = 500, timeoutMs = 5_000, log } = this.options;
    const body = JSON.stringify(payload);
    const what = `${payload.status} notification (${payload.alerts.map((a) => a.labels.alertname).join(', ')})`;
    for (let attempt = 0; attempt <= retries; attempt++) {
      let problem: string;
      try {
        const res = await fetch(this.options.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          signal: AbortSignal.timeout(timeoutMs),
          redirect: 'error',
        });
        await res.arrayBuffer().catch(() => undefined);
        if (res.ok) {
          log(`alert webhook ${this.shown}: ${what} delivered (HTTP ${res.status}).`);
          this.options.onResult?.('sent');
          return;
        }
        problem = `answered HTTP ${res.status}`;
      } catch (e) {
        const err = e as Error & { cause?: { code?: string; message?: string } };
        problem =
          err.name === 'TimeoutError'
            ? `did not answer within ${timeoutMs} ms`
            : `could not be reached (${err.cause?.code ?? err.cause?.message ?? err.message})`;
      }
      if (attempt < retries) {
        const wait = Math.round(backoffMs * 2 ** attempt * (1 + Math.random() * 0.2));
        log(this.scrub(`alert webhook ${this.shown} ${problem}; retrying in ${wait} ms.`));
        await new Promise((r) => setTimeout(r, wait));
      } else {
        log(
          this.scrub(
            `alert webhook ${this.shown} ${problem}; the ${what} was not delivered after ${retries + 1} attempts.`,
          ),
        );
        this.options.onResult?.('failed');
      }
    }
  }
}
