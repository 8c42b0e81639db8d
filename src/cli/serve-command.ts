// `memscope serve`: the built-in scorer over HTTP until a signal stops it.
import { SIGNAL_EXIT } from '../core/exit-signals.ts';
import type { CliIo } from './cli-io.ts';
import { InputError, errorMessage } from '../core/errors.ts';
import { COMMANDS, parseCommandArgs } from './commands.ts';
import { createScoreServer, listen } from '../builtin/server.ts';

export async function serve(args: string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs(COMMANDS.serve, args);
  if (!/^\d+$/.test(values.port) || Number(values.port) > 65535) throw new InputError(`--port: expected 0 to 65535, got "${values.port}"`);
  for (const flag of ['latency', 'max-body', 'max-prompt'] as const) {
    if (!/^\d+$/.test(values[flag])) throw new InputError(`--${flag}: expected a whole number, got "${values[flag]}"`);
  }
  const server = createScoreServer({ latencyMs: Number(values.latency), maxBodyBytes: Number(values['max-body']), maxPromptTokens: Number(values['max-prompt']) });
  let address;
  try {
    address = await listen(server, values.host, Number(values.port));
  } catch (error) {
    throw new InputError(`serve: cannot listen on ${values.host}:${values.port} (${(error as NodeJS.ErrnoException).code ?? errorMessage(error)})`);
  }
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  io.stderr.write(`memscope serve: built-in scorer on http://${host}:${address.port}/v1 (POST /v1/score, GET /health)\n`);
  const code = await new Promise<number>((resolve) => {
    for (const [signal, exit] of Object.entries(SIGNAL_EXIT)) process.once(signal, () => resolve(exit === 130 || exit === 143 ? 0 : exit));
  });
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  return code;
}

