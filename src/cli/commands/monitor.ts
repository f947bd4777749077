// `monitor --config F [--listen HOST:PORT] [--listen-public] [--once]`: HSM health and metrics
// for the operations side. Serves /metrics and /healthz on loopback until stopped, or with
// --once probes once and prints the Prometheus text (for cron and node_exporter's textfile).
import {
  DEFAULT_LISTEN,
  checkListen,
  parseListen,
  serveMetrics,
} from '../../main/monitoring/index';
import { EXIT, UsageError } from '../errors';
import { optionalString } from '../spec';
import type { CommandSpec } from '../spec';

function untilStopped(): Promise<string> {
  return new Promise((resolve) => {
    const stop = (signal: string) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve(signal);
    };
    const onInt = () => stop('SIGINT');
    const onTerm = () => stop('SIGTERM');
    process.once('SIGINT', onInt);
    process.once('SIGTERM', onTerm);
  });
}

export const monitorCommand: CommandSpec = {
  words: ['monitor'],
  usage:
    'monitor --config FILE [--listen HOST:PORT] [--listen-public] [--once] [--group-key group:NAME/LABEL] [--cloud-key ADDRESS]…',
  summary: 'probes the config token, serves Prometheus /metrics and /healthz, sends alerts',
  details: [
    `Listens on ${DEFAULT_LISTEN} unless --listen says otherwise; an address that is not loopback`,
    'needs --listen-public as well. Stop it with Ctrl-C (SIGINT) or SIGTERM.',
    'hsm.monitoring.* in the config sets the intervals, thresholds, probe key and alert webhook;',
    'the metrics and alerts are described in docs/monitoring.md.',
    '--once probes once, prints the metrics on stdout and exits: 0 when every probe passed, 3 when not.',
  ],
  flags: {
    listen: {
      type: 'string',
      value: 'HOST:PORT',
      help: `where to serve (default ${DEFAULT_LISTEN})`,
    },
    'listen-public': {
      type: 'boolean',
      help: 'allow a --listen address that is not loopback (the metrics name your tokens)',
    },
    once: { type: 'boolean', help: 'probe once, print the metrics and exit' },
    'group-key': {
      type: 'string',
      value: 'group:NAME/LABEL',
      help: "watch every member of the config's HSM group (cluster:) holding LABEL",
    },
    'cloud-key': {
      type: 'string',
      multiple: true,
      value: 'ADDRESS',
      help: 'watch a cloud key (azurekv://… or gcpkms://…/cryptoKeyVersions/N) by sign and verify',
    },
  },
  async run(ctx) {
    const once = ctx.values.once === true;
    const listen = optionalString(ctx, 'listen');
    if (once && (listen !== undefined || ctx.values['listen-public'] === true)) {
      throw new UsageError('--once prints the metrics and exits; it takes no --listen.');
    }
    // The address is checked before any token is opened.
    const addr = parseListen(listen ?? DEFAULT_LISTEN);
    checkListen(addr, ctx.values['listen-public'] === true);
    if (typeof ctx.values.config !== 'string') {
      throw new UsageError(
        'monitor needs --config FILE: an hsm-config.yaml naming the token to watch.',
      );
    }
    const group = optionalString(ctx, 'group-key');
    const cloud = ctx.values['cloud-key'];
    const cloudKeys = Array.isArray(cloud) ? cloud.map(String) : [];
    const { monitor, tokens } = await ctx.service.monitor({
      log: (line) => ctx.out.note(`monitor: ${line}`),
      watch: { ...(group !== undefined ? { group } : {}), cloudKeys },
    });
    if (once) {
      try {
        await monitor.once();
      } finally {
        await monitor.stop();
      }
      const metrics = await monitor.metrics.text();
      const health = monitor.health();
      ctx.out.result({ tokens, health, alerts: monitor.firing(), metrics }, () => metrics);
      return health.ok ? EXIT.OK : EXIT.HSM;
    }
    let server;
    try {
      await monitor.start();
      server = await serveMetrics(monitor, addr);
    } catch (e) {
      await monitor.stop();
      throw e;
    }
    ctx.out.note(
      `Serving ${server.url}/metrics and ${server.url}/healthz for token ${tokens.join(', ')}; stop with Ctrl-C.`,
    );
    const signal = await untilStopped();
    await monitor.stop();
    await server.close();
    ctx.out.result(
      { listen: server.url, tokens, stoppedBy: signal },
      () => `Monitor stopped (${signal}).`,
    );
    return EXIT.OK;
  },
};
