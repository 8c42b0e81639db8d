// What every command shares with the process: its streams and environment, and the signals that
// end it (SIGINT, SIGTERM, SIGHUP), which a command turns into an Interrupt and main into the
// exit code 130, 143 or 129.

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

export const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

/** Aborts the controller on SIGINT, SIGTERM or SIGHUP and remembers which arrived. */
export function trapSignals(controller: AbortController): { exitCode: () => number | undefined; release: () => void } {
  let code: number | undefined;
  const handlers = Object.entries(SIGNAL_EXIT).map(([signal, exit]) => {
    const handler = () => {
      code ??= exit;
      controller.abort();
    };
    process.on(signal, handler);
    return () => process.off(signal, handler);
  });
  return { exitCode: () => code, release: () => handlers.forEach((off) => off()) };
}

