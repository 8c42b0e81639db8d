// What every command shares with the process: its streams and environment, and the signals that
// end it (SIGINT, SIGTERM, SIGHUP), which a command turns into an Interrupt and main into the
// exit code 130, 143 or 129.
import { onExitSignals } from '../core/exit-signals.ts';

export interface CliIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly env: NodeJS.ProcessEnv;
  readonly isTTY: boolean;
}

export class Interrupt extends Error {
  constructor(readonly exitCode: number) {
    super('interrupted');
  }
}

/** Aborts the controller on SIGINT, SIGTERM or SIGHUP and remembers which arrived. */
export function trapSignals(controller: AbortController): { exitCode: () => number | undefined; release: () => void } {
  let code: number | undefined;
  const release = onExitSignals((exit) => {
    code ??= exit;
    controller.abort();
  });
  return { exitCode: () => code, release };
}

