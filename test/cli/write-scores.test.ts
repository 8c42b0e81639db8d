// score --write FILE: the scored context saved in native form, each response's memory_scores as
// the run wrote them into the AST: every cell above 0.01, and with --noise none within the noise
// (the built CLI against the built-in scorer and the jittery vLLM fake, a real process).
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fixture, runCli, startProcess, tempDir, testScript, type RunningServer } from '../support/helpers.ts';

const SMALL = fixture('small.json');

interface Native {
  format: string;
  sections: { name: string; nodes: { role?: string; memory_scores?: Record<string, number> }[] }[];
}
interface Full {
  memories: { key: string }[];
  responses: { entry: number; noise?: number }[];
  matrix: number[][];
}

/** Each response's expected memory_scores from the result: cells above 0.01, and above 3 × its floor when there is one. */
function expected(result: Full): Map<number, Record<string, number>> {
  return new Map(
    result.responses.map((r, j) => [
      r.entry,
      Object.fromEntries(result.memories.flatMap((m, i) => {
        const cell = result.matrix[i]![j]!;
        return cell > 0.01 && !(cell <= 3 * (r.noise ?? 0)) ? [[m.key, cell]] : [];
      })),
    ]),
  );
}

function written(native: Native): Map<number, Record<string, number>> {
  const out = new Map<number, Record<string, number>>();
  native.sections.find((section) => section.name === 'conversation')!.nodes.forEach((node, entry) => {
    if (node.role === 'assistant') out.set(entry, node.memory_scores ?? {});
  });
  return out;
}

describe('score --write', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let server: RunningServer;
  before(async () => {
    dir = await tempDir();
    server = await startProcess([testScript('servers/vllm-wire.ts'), '--port', '0', '--jitter', '6']);
  });
  after(async () => {
    await server.stop();
    await dir.remove();
  });

  test('the built-in scorer: every cell above 0.01 is in its response\'s memory_scores, and nothing else', async () => {
    const out = join(dir.path, 'scored.json');
    const run = await runCli(['score', SMALL, '--json', '--headless', '--write', out]);
    assert.equal(run.code, 0, run.stderr);
    const native = JSON.parse(await readFile(out, 'utf8')) as Native;
    assert.equal(native.format, 'memscope-context');
    const want = expected(JSON.parse(run.stdout) as Full);
    assert.ok([...want.values()].some((scores) => Object.keys(scores).length > 0));
    assert.deepEqual(written(native), want);
  });

  test('--noise: no cell within its response\'s noise is written; every cell above it is', async () => {
    const out = join(dir.path, 'noisy.json');
    const run = await runCli(['score', SMALL, '--url', server.url, '--backend', 'completions', '--noise', '1', '--concurrency', '1', '--json', '--headless', '--write', out]);
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout) as Full;
    const noisy = result.memories.flatMap((m, i) => result.matrix[i]!.filter((cell, j) => cell > 0.01 && cell <= 3 * result.responses[j]!.noise!)).length;
    assert.ok(noisy > 0, 'the jitter puts some cells within the noise');
    assert.deepEqual(written(JSON.parse(await readFile(out, 'utf8')) as Native), expected(result));
  });

  test('a missing folder is one line and exit 2, before any call', async () => {
    const run = await runCli(['score', SMALL, '--json', '--headless', '--write', join(dir.path, 'no-such', 'x.json')]);
    assert.equal(run.code, 2);
    assert.match(run.stderr.trim(), /^memscope: --write: .*no-such\/x\.json: the folder .* does not exist/);
    assert.equal(run.stderr.trim().split('\n').length, 1);
  });
});
