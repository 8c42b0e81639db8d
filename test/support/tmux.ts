// A private tmux server for the end-to-end screen tests: its socket in a directory of its own,
// memscope started with CI unset (Ink renders differently under CI) and its own sessions directory.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT } from './helpers.ts';
export { ROOT };

export const HAS_TMUX = spawnSync('tmux', ['-V'], { encoding: 'utf8' }).status === 0;
export const SKIP = HAS_TMUX ? false : 'tmux is not installed (apt-get install tmux): the end-to-end screen test needs a real terminal';

export class Tmux {
  /** A private server: its socket lives in a directory of its own, removed at the end. */
  private readonly dir = mkdtempSync(join(tmpdir(), 'memscope-e2e-'));
  private readonly socket = join(this.dir, 'tmux.sock');
  /** The screen records every run: into this test's own directory, not the user's. */
  readonly sessions = join(this.dir, 'sessions');

  run(...args: string[]): string {
    const result = spawnSync('tmux', ['-S', this.socket, ...args], { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${result.stderr}`);
    return result.stdout;
  }

  start(script: string, columns = 120, rows = 40): void {
    // A clean shell environment: no CI (Ink renders differently under CI), truecolor advertised.
    this.run('new-session', '-d', '-s', 'e2e', '-x', String(columns), '-y', String(rows), '-c', ROOT, `env -u CI COLORTERM=truecolor TERM=tmux-256color MEMSCOPE_SESSIONS=${this.sessions} sh -c '${script}'`);
  }

  /** The pane as text, or with its colours (-e). */
  capture(colours = false): string {
    return this.run('capture-pane', '-p', '-N', ...(colours ? ['-e'] : []), '-t', 'e2e');
  }

  keys(...keys: string[]): void {
    for (const key of keys) this.run('send-keys', '-t', 'e2e', key);
  }

  display(format: string): string {
    return this.run('display-message', '-p', '-t', 'e2e', format).trim();
  }

  /** Polls the pane until `test` holds; fails after `ms` with the last capture. */
  async waitFor(what: string, test: (screen: string) => boolean, ms = 60_000): Promise<string> {
    const until = Date.now() + ms;
    let screen = '';
    while (Date.now() < until) {
      screen = this.capture();
      if (test(screen)) return screen;
      await sleep(100);
    }
    assert.fail(`timed out waiting for ${what}; the screen was:\n${screen}`);
  }

  /** Presses the keys that end memscope, and waits for the AFTER line (exit code and line modes). */
  quit(keys: string[], ms?: number): Promise<string> {
    this.keys(...keys);
    return this.waitFor('memscope to exit', (s) => /after-memscope exit=.*:end/.test(s), ms);
  }

  kill(): void {
    spawnSync('tmux', ['-S', this.socket, 'kill-server']);
    rmSync(this.dir, { recursive: true, force: true });
  }
}


// After memscope: its exit code and the terminal's line modes, printed in one go with an end mark.
export const AFTER = `code=$?; modes=$(stty -a | tr " ;" "\\n\\n" | grep -E "^-?(icanon|echo)$" | tr "\\n" " "); printf "after-memscope exit=%s modes=%s:end\\n" "$code" "$modes"; exec sleep 600`;
