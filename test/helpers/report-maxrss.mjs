// Preloaded with `node --import` by tests that bound a command's memory: prints the process's
// peak resident set size (kB) on stderr as it exits, after the command's own output.
process.on('exit', () => {
  process.stderr.write(`maxrss-kb ${process.resourceUsage().maxRSS}\n`);
});
