// `npm run electronegativity`: runs @doyensec/electronegativity over the sources (settings and
// reviewed false positives in .electronegativity.yaml) and fails on any HIGH finding left.
// The tool looks things up on the internet (translations, Electron's release list); here it
// runs with DNS refused, so it never leaves the machine and never waits on a network.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';

const require = createRequire(import.meta.url);
const config = parse(readFileSync('.electronegativity.yaml', 'utf8'));
const electronVersion = require('electron/package.json').version;
const toolPkg = require.resolve('@doyensec/electronegativity/package.json');
const toolBin = join(dirname(toolPkg), require(toolPkg).bin.electronegativity);

// EPERM rather than ENOTFOUND: its HTTP client retries the latter with back-off, seconds apiece.
const offline = `import dns from 'node:dns';
dns.lookup = (host, options, callback) => {
  const cb = typeof options === 'function' ? options : callback;
  const error = Object.assign(new Error('no network for electronegativity: ' + host), { code: 'EPERM' });
  process.nextTick(() => cb(error));
};`;

const out = mkdtempSync(join(tmpdir(), 'olocus-eneg-'));
const csv = join(out, 'findings.csv');
const args = [
  '--import',
  `data:text/javascript,${encodeURIComponent(offline)}`,
  toolBin,
  '-i',
  config.input ?? 'src',
  '-o',
  csv,
  '-r',
  '-v',
  'false',
  // Otherwise it guesses Electron 0.1.0 (whose defaults were all unsafe) when it cannot tell.
  '-e',
  electronVersion,
];
const excluded = (config.excludeChecks ?? []).map((c) => c.check);
if (excluded.length > 0) args.push('-x', excluded.join(','));

const run = spawnSync(process.execPath, args, {
  encoding: 'utf8',
  env: { ...process.env, LANG: 'en-US' },
});
let text;
try {
  text = readFileSync(csv, 'utf8');
} catch {
  text = null;
}
rmSync(out, { recursive: true, force: true });
if (run.status !== 0 || text === null) {
  console.error(`electronegativity: the tool failed (exit ${run.status}) and wrote no report.`);
  console.error(run.stdout, run.stderr);
  process.exit(1);
}

/** RFC 4180 records: quoted fields with "" for a quote; the tool writes N/A for a missing one. */
function parseCsv(source) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  const endRow = () => {
    if (field !== '' || row.length > 0) rows.push([...row, field.trim()]);
    row = [];
    field = '';
  };
  for (let i = 0; i < source.length; i++) {
    const ch = source[i];
    if (quoted) {
      if (ch === '"' && source[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field.trim());
      field = '';
    } else if (ch === '\n' || ch === '\r') endRow();
    else field += ch;
  }
  endRow();
  return rows;
}

const findings = parseCsv(text)
  .filter((r) => r[0] !== 'issue' && r.length >= 7)
  .map(([check, severity, confidence, file, location, sample, description]) => ({
    check,
    severity,
    confidence,
    file,
    location,
    sample: sample === 'N/A' ? '' : sample,
    description,
  }));

const acceptedBy = (f) =>
  (config.accepted ?? []).find(
    (a) => a.check === f.check && a.file === f.file && f.sample.includes(a.sample),
  );

const high = [];
for (const f of findings) {
  const accepted = acceptedBy(f);
  const tag = accepted ? 'accepted' : f.severity;
  console.log(
    `  ${tag.padEnd(9)} ${f.check} ${f.file}:${f.location} (${f.confidence.toLowerCase()}) ${f.description}`,
  );
  if (f.severity === 'HIGH' && !accepted) high.push(f);
}
const unused = (config.accepted ?? []).filter((a) => !findings.some((f) => acceptedBy(f) === a));
for (const a of unused) {
  console.log(
    `  note: the accepted ${a.check} in ${a.file} no longer occurs; remove it from .electronegativity.yaml.`,
  );
}
console.log(
  `electronegativity (Electron ${electronVersion}): ${findings.length} finding(s), ${high.length} HIGH not accepted.`,
);
if (high.length > 0) {
  console.error(
    'electronegativity: HIGH findings fail the run; fix them, or review and accept one in .electronegativity.yaml with the reason.',
  );
  process.exit(1);
}
