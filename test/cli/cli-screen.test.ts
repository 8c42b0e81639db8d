// Which runs open the screen: only a terminal on both ends without --headless or --json; every
// other run stays headless exactly as before (CI drives these without a TTY).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { PassThrough } from 'node:stream';
import { Interrupt, type CliIo } from '../../src/cli/cli-io.ts';
import { score, wantsScreen } from '../../src/cli/score-command.ts';
import { parseScoreSettings } from '../../src/run/score-settings.ts';
import { BIN, fixture } from '../support/helpers.ts';

const SMALL = fixture('small.json');

const io = (isTTY: boolean): CliIo => ({ stdout: process.stdout, stderr: process.stderr, env: {}, isTTY });

describe('screen or headless', () => {
  it('opens the screen only in a terminal, without --headless or --json', async () => {
    assert.equal(wantsScreen(await parseScoreSettings([SMALL]), io(true)), true);
    assert.equal(wantsScreen(await parseScoreSettings([SMALL]), io(false)), false);
    assert.equal(wantsScreen(await parseScoreSettings([SMALL, '--headless']), io(true)), false);
    assert.equal(wantsScreen(await parseScoreSettings([SMALL, '--json']), io(true)), false);
  });

  it('Ctrl-C while the screen is loading ends as interrupted (130), not as the aborted request', async () => {
    // A server that takes the probe and never answers: loading waits on it until the signal.
    let asked!: () => void;
    const probed = new Promise<void>((resolve) => (asked = resolve));
    const server = createServer(() => asked());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
      const settings = await parseScoreSettings([SMALL, '--backend', 'completions', '--url', url]);
      const out = new PassThrough().resume();
      const running = score(settings, { stdout: out, stderr: out, env: {}, isTTY: true });
      await probed;
      process.emit('SIGINT');
      await assert.rejects(running, (error) => error instanceof Interrupt && error.exitCode === 130);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('runs the demo headless when stdout is not a terminal', () => {
    const run = spawnSync(process.execPath, [BIN], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stderr, /^memscope demo: scoring .*medium\.json on the built-in scorer/);
    assert.match(run.stderr, /full matrix: 40 memories × 100 responses, 41 calls, backend built-in/);
    assert.match(run.stdout, /^memory importance \(max divergence over 100 responses\):/);
    assert.doesNotMatch(run.stdout + run.stderr, /\u001b/, 'no escape sequences when headless');
  });

  it('scores a file headless when stdout is not a terminal', () => {
    const run = spawnSync(process.execPath, [BIN, 'score', SMALL, '--json'], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(JSON.parse(run.stdout).mode, 'full');
  });
});
