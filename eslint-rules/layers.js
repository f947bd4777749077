// The layer rule of ARCHITECTURE.md, enforced at lint time: an import may only go down.
//
//   fronts   src/main/index.ts, ipc/, shell/, src/cli, src/bridge, src/preload
//   service  src/main/service
//   domains  report > ceremony > {transfer, cluster} > {attestation, compliance, config}; monitoring > config
//   hsm      src/main/hsm
//   audit    src/main/audit
//   base     src/main/resources.ts, src/shared (shared imports nothing of ours)
//
// A module may import its own folder and any folder listed in `may` for it, nothing else.
// The rule resolves each relative specifier against the importing file, so depth and
// subfolder names cannot fool it. Why a local rule rather than no-restricted-imports: that
// rule matches specifier text, and "../../report" means different folders at different depths.
import { dirname, relative, resolve, sep } from 'node:path';

const BASE = ['resources', 'shared'];
const BELOW_HSM = ['audit', ...BASE];
const BELOW_DOMAINS = ['hsm', ...BELOW_HSM];
const LOW_DOMAINS = ['attestation', 'compliance', 'config'];

/** Which layers each layer may import (besides itself). */
export const LAYERS = {
  shared: [],
  resources: ['shared'],
  audit: BASE,
  hsm: BELOW_HSM,
  attestation: BELOW_DOMAINS,
  compliance: BELOW_DOMAINS,
  config: BELOW_DOMAINS,
  // HSM health, metrics and alerts for the operations side (issue 14); reads the config's settings.
  monitoring: ['config', ...BELOW_DOMAINS],
  transfer: [...LOW_DOMAINS, ...BELOW_DOMAINS],
  // HSM groups (failover, load balancing, batch signing): a domain beside transfer.
  cluster: [...LOW_DOMAINS, ...BELOW_DOMAINS],
  // Key families, rotation, retirement (docs/lifecycle.md): below ceremony, which rotates in a run.
  lifecycle: [...LOW_DOMAINS, ...BELOW_DOMAINS],
  ceremony: ['lifecycle', 'transfer', 'cluster', ...LOW_DOMAINS, ...BELOW_DOMAINS],
  report: ['ceremony', 'lifecycle', 'transfer', 'cluster', ...LOW_DOMAINS, ...BELOW_DOMAINS],
  service: [
    'monitoring',
    'report',
    'ceremony',
    'lifecycle',
    'transfer',
    'cluster',
    ...LOW_DOMAINS,
    ...BELOW_DOMAINS,
  ],
  // Transport: the IPC handlers speak to the service and check senders with the shell's origin rule.
  ipc: ['service', 'shell', ...BASE],
  shell: ['service', ...BASE],
  'main-entry': ['ipc', 'shell', 'service', ...BASE],
  // The CLI still reaches domain modules for offline file work (attest marvell, byok files);
  // it may use anything below the fronts, never ipc/ or shell/.
  cli: [
    'service',
    'monitoring',
    'report',
    'ceremony',
    'lifecycle',
    'transfer',
    'cluster',
    ...LOW_DOMAINS,
    ...BELOW_DOMAINS,
  ],
  bridge: ['ipc', 'shell', 'service', ...BASE],
  preload: ['shared'],
  renderer: ['shared'],
};

/**
 * Files allowed to break the rule while a move is under way (relative to src/, '/' separated).
 * Empty: the 14 back-edges found when the rule was written (issue 10) are gone. Keep it empty;
 * an entry here is a debt with a reason beside it.
 */
export const KNOWN_BACK_EDGES = new Set([]);

/** The layer a path under src/ belongs to, or undefined outside src/. */
export function layerOf(fileFromSrc) {
  const parts = fileFromSrc.split(sep);
  if (parts[0] !== 'main') return parts.length > 1 ? parts[0] : undefined;
  if (parts.length > 2) return parts[1];
  // A file directly in src/main (index.ts, resources.ts) or a folder's index ('../audit').
  const name = parts[1].replace(/\.[cm]?[jt]sx?$/, '');
  if (name === 'index') return 'main-entry';
  return name;
}

const rule = {
  meta: {
    type: 'problem',
    docs: { description: 'Imports may only go down the layers of ARCHITECTURE.md.' },
    schema: [{ type: 'object', properties: { srcDir: { type: 'string' } } }],
    messages: {
      upward:
        '{{from}}/ may not import {{to}}/ ({{spec}}): layers import only the layers below them (eslint-rules/layers.js).',
      unknown: '{{from}}/ is not a known layer: add it to eslint-rules/layers.js.',
    },
  },
  create(context) {
    const srcDir = resolve(context.options[0]?.srcDir ?? 'src');
    const file = context.filename;
    const fromRel = relative(srcDir, file);
    if (fromRel.startsWith('..')) return {};
    const from = layerOf(fromRel);
    if (from === undefined || KNOWN_BACK_EDGES.has(fromRel.split(sep).join('/'))) return {};
    const allowed = LAYERS[from];
    function check(node, source) {
      if (!source || typeof source.value !== 'string') return;
      const spec = source.value;
      if (!spec.startsWith('.')) return;
      const toRel = relative(srcDir, resolve(dirname(file), spec));
      if (toRel.startsWith('..')) return;
      const to = layerOf(toRel);
      if (to === undefined || to === from) return;
      if (allowed === undefined) {
        context.report({ node, messageId: 'unknown', data: { from } });
      } else if (!allowed.includes(to)) {
        context.report({ node, messageId: 'upward', data: { from, to, spec } });
      }
    }
    return {
      ImportDeclaration: (n) => check(n, n.source),
      ExportNamedDeclaration: (n) => check(n, n.source),
      ExportAllDeclaration: (n) => check(n, n.source),
      ImportExpression: (n) => check(n, n.source),
    };
  },
};

export default { rules: { layers: rule } };
