// Shared test plumbing: run the real CLI as a child process, start a real `memscope serve`.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../src/core/package-root.ts';

/** The clone's root (tests run compiled, from dist/test; dist/ has no package.json of its own). */
export const ROOT = PACKAGE_ROOT;
/** The built CLI, as users run it: the file package.json's bin names. */
export const BIN = join(ROOT, (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: { memscope: string } }).bin.memscope);
/** A compiled script of the test tree (a fake server, a bench child), by its source path under test/. */
export const testScript = (path: string) => join(ROOT, 'dist', 'test', path.replace(/\.tsx?$/, '.js'));
export const fixture = (name: string) => join(ROOT, 'fixtures', name);

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  input?: string;
  cwd?: string;
}

/** The memscope CLI as a child process, to completion. */
export function runCli(args: string[], options: RunOptions = {}): Promise<CliResult> {
  return runNode([BIN, ...args], options);
}

/** Any node script as a child process, to completion. */
export function runNode(args: string[], options: RunOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: options.cwd ?? ROOT,
      env: { ...process.env, NO_COLOR: '1', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/** Waits until `read()` matches, polling; fails after `ms`. */
export async function waitFor<T>(read: () => T | undefined, ms = 20_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export interface RunningServer {
  url: string;
  port: number;
  child: ChildProcess;
  stderr: () => string;
  stop(): Promise<void>;
}

/** Starts a server process that prints its URL (http://127.0.0.1:PORT...) on stderr. */
export async function startProcess(args: string[], env: NodeJS.ProcessEnv = {}): Promise<RunningServer> {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  child.stdout.resume();
  let exited = false;
  child.on('exit', () => (exited = true));
  const match = await waitFor(() => {
    if (exited) throw new Error(`server exited: ${err}`);
    return /http:\/\/127\.0\.0\.1:(\d+)(\S*)/.exec(err) ?? undefined;
  }, 20_000, 'server to listen');
  const port = Number(match[1]);
  return {
    url: `http://127.0.0.1:${port}${match[2]}`,
    port,
    child,
    stderr: () => err,
    stop: async () => {
      if (exited) return;
      const closed = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await closed;
    },
  };
}

export function startServe(extra: string[] = []): Promise<RunningServer> {
  return startProcess([BIN, 'serve', '--port', '0', ...extra]);
}

export async function tempDir(): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'memscope-test-'));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}
