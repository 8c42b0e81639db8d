// Errors the CLI turns into one line and an exit code; anything else is a bug and keeps its stack.

/** Bad input or usage: exit 2. The message already names the file and the place in it. */
export class InputError extends Error {
  override readonly name = 'InputError';
  readonly exitCode = 2;
}

/** Scoring failed as a whole (baseline failed, server unreachable): exit 1. */
export class ScoringError extends Error {
  override readonly name = 'ScoringError';
  readonly exitCode = 1;
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) {
    // undici wraps the socket error in `cause`; its code says more than "fetch failed".
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    if (cause?.code && !error.message.includes(cause.code)) return `${error.message} (${cause.code})`;
    return error.message;
  }
  return String(error);
}

/** The thrown value itself when it is an Error (it almost always is), else an Error that says what it was. */
export function asError(thrown: unknown): Error {
  return thrown instanceof Error ? thrown : new Error(errorMessage(thrown));
}
