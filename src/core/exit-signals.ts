// The signals that end a run, each with the exit code a shell reports for it (128 + its number).

export const SIGNAL_EXIT: Readonly<Record<string, number>> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

/** Calls `handler` with the exit code whenever SIGINT, SIGTERM or SIGHUP arrives; returns the
 *  function that removes the handlers. */
export function onExitSignals(handler: (code: number) => void): () => void {
  const offs = Object.entries(SIGNAL_EXIT).map(([signal, code]) => {
    const listener = () => handler(code);
    process.on(signal, listener);
    return () => process.off(signal, listener);
  });
  return () => offs.forEach((off) => off());
}
