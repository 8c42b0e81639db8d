// `memscope sessions` on the terminal: the live list on the alternate screen, drawn by the same
// frame writer as the run screen. Resolves with the session the user opened, the two marked for a
// diff, or the exit code on quit.
import { SessionList } from '../../components/SessionList.tsx';
import type { SessionDirectory } from '../sessions/session-list.ts';
import { holdTerminal } from './terminal-session.tsx';

export type SessionsChoice = { readonly open: string } | { readonly diff: readonly [string, string] } | { readonly quit: number | undefined };

export async function showSessions(directory: SessionDirectory, env: NodeJS.ProcessEnv, notice?: string, marks?: readonly string[]): Promise<SessionsChoice> {
  const choice = await holdTerminal<SessionsChoice>({
    env,
    overlay: false,
    onSignal: (code) => ({ quit: code }),
    view: ({ depth, size, finish, suspend }) => (
      <SessionList
        source={directory}
        dir={directory.dir}
        depth={depth}
        size={size}
        onOpen={(path) => finish({ open: path })}
        onDiff={(a, b) => finish({ diff: [a, b] })}
        onQuit={(interrupt) => finish({ quit: interrupt ? 130 : undefined })}
        onSuspend={suspend}
        notice={notice}
        marks={marks}
      />
    ),
  });
  return choice ?? { quit: undefined };
}
