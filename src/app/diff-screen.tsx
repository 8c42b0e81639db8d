// `memscope diff A B` on the terminal: the diff screen on the alternate screen, drawn by the same
// frame writer and line overlay as the run screen. Resolves with the exit code: 0 on q, 130 on
// Ctrl-C, 130/143/129 on a signal.
import { DiffApp } from '../../components/DiffApp.tsx';
import type { DiffRun } from '../tui/diff-lines.ts';
import { contextTexts, NO_TEXTS } from '../context/context-texts.ts';
import type { RunDiff } from '../engine/run-diff.ts';
import type { RunInput } from '../sessions/run-input.ts';
import { holdTerminal } from './terminal-session.tsx';

function diffRun(input: RunInput): DiffRun {
  return { path: input.path, model: input.model, result: input.result, texts: input.context ? contextTexts(input.context) : NO_TEXTS };
}

export async function showDiff(a: RunInput, b: RunInput, diff: RunDiff, env: NodeJS.ProcessEnv): Promise<number> {
  const runA = diffRun(a);
  const runB = diffRun(b);
  const code = await holdTerminal<number>({
    env,
    overlay: true,
    onSignal: (code) => code,
    view: ({ depth, background, overlay, size, finish, redraw, suspend }) => (
      <DiffApp
        a={runA}
        b={runB}
        diff={diff}
        depth={depth}
        background={background}
        overlay={overlay}
        size={size}
        onQuit={(interrupt) => finish(interrupt ? 130 : 0)}
        onRedraw={redraw}
        onSuspend={suspend}
      />
    ),
  });
  return code ?? 0;
}
