// `npm run bench -- NAME`: runs one benchmark (or all). Each prints `ratio NAME VALUE` lines.
export {};
const benches: Record<string, () => Promise<void>> = {
  sign: async () => (await import('./sign')).run(),
  ledger: async () => (await import('./ledger')).run(),
  report: async () => (await import('./report')).run(),
  migrate: async () => (await import('./migrate')).run(),
  lifecycle: async () => (await import('./lifecycle')).run(),
  group: async () => (await import('./group')).run(),
};

const wanted = process.argv.slice(2);
const names = wanted.length ? wanted : Object.keys(benches);
for (const name of names) {
  const bench = benches[name];
  if (!bench) {
    console.error(`Unknown benchmark "${name}". Known: ${Object.keys(benches).join(', ')}.`);
    process.exit(2);
  }
  await bench();
}
process.exit(0);
