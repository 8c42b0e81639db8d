// Preloaded into a process the bench measures (node --import): prints its peak resident set
// size in bytes on stderr as it exits, since a parent cannot read a child's.
process.on('exit', () => process.stderr.write(`peak-rss ${process.resourceUsage().maxRSS * 1024}\n`));
export {};
