// `memscope sessions` on the terminal: the live list on the alternate screen, drawn by the same
// frame writer as the run screen. Resolves with the session the user opened, the two marked for a
// diff, or the exit code on quit.
import { render } from 'ink';
import { SessionList } from '../../components/SessionList.tsx';
import { enterAltScreen, leaveAltScreen } from '../screen/alt-screen.ts';
import { colorDepth } from '../screen/color-depth.ts';
import { FrameStdout, FrameWriter } from '../screen/frame-writer.ts';
import type { SessionDirectory } from '../sessions/session-list.ts';

export type SessionsChoice = { readonly open: string } | { readonly diff: readonly [string, string] } | { readonly quit: number | undefined };

export async function showSessions(directory: SessionDirectory, env: NodeJS.ProcessEnv, notice?: string): Promise<SessionsChoice> {
  const stdout = process.stdout;
  const depth = colorDepth({ env, isTTY: Boolean(stdout.isTTY) });
  enterAltScreen(stdout);
  const restore = () => leaveAltScreen(stdout);
  process.once('exit', restore);
  const writer = new FrameWriter(stdout, () => stdout.rows || 24);
  const frames = new FrameStdout(stdout, writer);
  let choose!: (choice: SessionsChoice) => void;
  const chosen = new Promise<SessionsChoice>((resolve) => (choose = resolve));
  const signals = (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map((signal, i) => {
    const handler = () => choose({ quit: [130, 143, 129][i] });
    process.on(signal, handler);
    return () => process.off(signal, handler);
  });
  const app = () => (
    <SessionList
      source={directory}
      dir={directory.dir}
      depth={depth}
      size={{ columns: stdout.columns || 80, rows: stdout.rows || 24 }}
      onOpen={(path) => choose({ open: path })}
      onDiff={(a, b) => choose({ diff: [a, b] })}
      onQuit={(interrupt) => choose({ quit: interrupt ? 130 : undefined })}
      notice={notice}
    />
  );
  const instance = render(app(), { stdout: frames as unknown as NodeJS.WriteStream, debug: true, exitOnCtrlC: false, patchConsole: false });
  const relayout = () => instance.rerender(app());
  frames.on('resize', relayout);
  try {
    return await chosen;
  } finally {
    instance.unmount();
    await instance.waitUntilExit().catch(() => undefined);
    frames.off('resize', relayout);
    frames.close();
    for (const off of signals) off();
    process.off('exit', restore);
    restore();
  }
}
