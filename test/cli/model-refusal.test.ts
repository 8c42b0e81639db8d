// An agent's log names the agent's model (here "gpt-4o-mini"), which the scoring server may not
// serve: the server's 404 reaches the user in one line that says which model memscope asked for,
// where it came from, and that --model names another (the built CLI against the vLLM fake).
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fixture, runCli, startProcess, tempDir, testScript, type RunningServer } from '../support/helpers.ts';

describe('a model the server does not serve', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let server: RunningServer;
  let log: string;
  before(async () => {
    dir = await tempDir();
    server = await startProcess([testScript('servers/vllm-wire.ts'), '--port', '0']);
    const letta = JSON.parse(await readFile(fixture('agents/letta-blocks.json'), 'utf8')) as Record<string, unknown>;
    log = join(dir.path, 'agent.json');
    await writeFile(log, JSON.stringify({ ...letta, model: 'gpt-4o-mini' }));
  });
  after(async () => {
    await server.stop();
    await dir.remove();
  });

  for (const how of [['--tokenizer', 'server'], []]) {
    test(`${how.length > 0 ? 'tokenizing' : 'scoring'} through the server: the refusal says the model asked for and how to name another`, async () => {
      const run = await runCli(['score', log, '--memories', 'letta', '--url', server.url, '--backend', 'completions', '--headless', ...how]);
      assert.equal(run.code, 1, run.stderr);
      const last = run.stderr.trim().split('\n').at(-1)!;
      assert.match(last, /HTTP 404: .*gpt-4o-mini.* \(memscope asked for the model "gpt-4o-mini", from --model or the context's "model": --model NAME names one the server serves\)/);
    });
  }

  test('--model names the served one: the run scores', async () => {
    const run = await runCli(['score', log, '--memories', 'letta', '--url', server.url, '--backend', 'completions', '--model', 'memscope-builtin', '--json', '--headless']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal((JSON.parse(run.stdout) as { memories: unknown[] }).memories.length, 4);
  });
});
