// The memscope command line. Every failure ends as one line on stderr and an exit code:
// 0 done, 1 scoring failed as a whole, 2 bad input or usage, 130/143/129 interrupted.
// Each command is a record in commands.ts (its help and flags) and a module that runs it.
import { Interrupt, type CliIo } from './cli-io.ts';
import { InputError, ScoringError, errorMessage } from '../core/errors.ts';
import { helpWidth } from '../core/flag-spec.ts';
import { packageFile } from '../core/package-root.ts';
import { neutralize } from '../core/sanitize.ts';
import { VERSION } from './version.ts';

export type { CliIo } from './cli-io.ts';
export { VERSION } from './version.ts';
export const DEMO_FIXTURE = packageFile('fixtures/medium.json');
/** The demo's built-in scorer stands in for a remote GPU, so the matrix visibly fills in. */
export const DEMO_LATENCY_MS = 450;

async function dispatch(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '--version' || command === '-v') {
    io.stdout.write(`${VERSION}\n`);
    return 0;
  }
  // The table of commands loads after --version: it holds every command's help.
  const { COMMANDS, asksForHelp, commandHelp, commandNamed, mainHelp } = await import('./commands.ts');
  // Help in a terminal narrower than the help's own width is wrapped to it (at 80 columns the
  // terminal cut every long line, hanging indents and all).
  const width = helpWidth(io.isTTY ? (io.stdout as { columns?: number }).columns : undefined);
  if (command === undefined) {
    const demo = await COMMANDS.score.load();
    if (io.isTTY) return demo([DEMO_FIXTURE, '--latency', String(DEMO_LATENCY_MS)], io);
    io.stderr.write(`memscope demo: scoring ${DEMO_FIXTURE} on the built-in scorer (memscope --help for more)\n`);
    return demo([DEMO_FIXTURE, '--headless'], io);
  }
  if (command === '--help' || command === '-h' || command === 'help') {
    // `memscope help score` is `memscope score --help`.
    const topic = rest[0];
    if (topic !== undefined && commandNamed(topic) === undefined) throw new InputError(`help: no command "${topic}" (memscope --help lists them)`);
    io.stdout.write(topic === undefined ? mainHelp(width) : await commandHelp(topic as keyof typeof COMMANDS, width));
    return 0;
  }
  const spec = commandNamed(command);
  if (spec === undefined) throw new InputError(`unknown command "${command}" (memscope --help lists them)`);
  if (asksForHelp(rest)) {
    io.stdout.write(await commandHelp(command as keyof typeof COMMANDS, width));
    return 0;
  }
  return (await spec.load())(rest, io);
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  const debug = argv.includes('--debug');
  try {
    return await dispatch(argv, io);
  } catch (error) {
    if (error instanceof Interrupt) {
      io.stderr.write('memscope: interrupted\n');
      return error.exitCode;
    }
    if (error instanceof InputError || error instanceof ScoringError) {
      io.stderr.write(`memscope: ${neutralize(error.message)}\n`);
      return error.exitCode;
    }
    io.stderr.write(`memscope: internal error: ${neutralize(errorMessage(error))}${debug ? '' : ' (run with --debug for the stack)'}\n`);
    if (debug && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
    return 70;
  }
}
