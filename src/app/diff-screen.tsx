// `memscope diff A B` on the terminal: the diff screen on the alternate screen, drawn by the same
// frame writer and line overlay as the run screen. Resolves with the exit code: 0 on q, 130 on
// Ctrl-C, 130/143/129 on a signal.
import { render } from 'ink';
import { DiffApp, type DiffRun } from '../../components/DiffApp.tsx';
import { contextTexts, NO_TEXTS } from '../context/context-texts.ts';
import type { RunDiff } from '../engine/run-diff.ts';
import { enterAltScreen, leaveAltScreen } from '../screen/alt-screen.ts';
import { colorDepth } from '../screen/color-depth.ts';
import { FrameStdout, FrameWriter } from '../screen/frame-writer.ts';
import { LineOverlay } from '../screen/line-overlay.ts';
import type { RunInput } from '../sessions/run-input.ts';

const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;

function diffRun(input: RunInput): DiffRun {
  return { path: input.path, model: input.model, result: input.result, texts: input.context ? contextTexts(input.context) : NO_TEXTS };
}

export async function showDiff(a: RunInput, b: RunInput, diff: RunDiff, env: NodeJS.ProcessEnv): Promise<number> {
  const stdout = process.stdout;
  const depth = colorDepth({ env, isTTY: Boolean(stdout.isTTY) });
  enterAltScreen(stdout);
  const restore = () => leaveAltScreen(stdout);
  process.once('exit', restore);
  const writer = new FrameWriter(stdout, () => stdout.rows || 24);
  const overlay = new LineOverlay();
  const frames = new FrameStdout(stdout, writer, overlay);
  let finish!: (code: number) => void;
  const finished = new Promise<number>((resolve) => (finish = resolve));
  const signals = Object.entries(SIGNAL_EXIT).map(([signal, code]) => {
    const handler = () => finish(code);
    process.on(signal, handler);
    return () => process.off(signal, handler);
  });
  const runA = diffRun(a);
  const runB = diffRun(b);
  const app = () => (
    <DiffApp
      a={runA}
      b={runB}
      diff={diff}
      depth={depth}
      overlay={overlay}
      size={{ columns: stdout.columns || 80, rows: stdout.rows || 24 }}
      onQuit={(interrupt) => finish(interrupt ? 130 : 0)}
      onRedraw={() => {
        writer.invalidate();
        relayout();
      }}
    />
  );
  const instance = render(app(), { stdout: frames as unknown as NodeJS.WriteStream, debug: true, exitOnCtrlC: false, patchConsole: false });
  function relayout() {
    instance.rerender(app());
  }
  frames.on('resize', relayout);
  try {
    return await finished;
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
