// The scheduling rules for GPU cost, against the GPU simulator (test/servers/gpu-sim.ts, a real
// process) over the real /score client: baseline first leads to prefix reuse; prompts end at the
// last response; the ideal C* is what an SGLang-like server computes; done: reports prefill.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { ChatContext } from '../../src/context/chat-format.ts';
import { tokenCount } from '../../src/context/context.ts';
import { loadContext } from '../../src/context/load-context.ts';
import { PromptLayout, fullRange } from '../../src/scoring/prompt.ts';
import { fullMatrixCost, tokensText } from '../../src/engine/call-schedule.ts';
import { ScoringEngine } from '../../src/engine/engine.ts';
import type { FullResult } from '../../src/engine/events.ts';
import { BuiltinScorer } from '../../src/builtin/builtin-scorer.ts';
import { HttpScorer } from '../../src/scoring/score-client.ts';
import { longestPrompt } from '../../src/run/longest-prompt.ts';
import { simsForFile, type Sim } from '../support/gpu-sim.ts';
import { fixture, runCli, tempDir } from '../support/helpers.ts';

const sim = simsForFile();

async function fullOver(server: Sim, file: string, baselineFirst: boolean | undefined): Promise<FullResult> {
  const { context } = await loadContext(file);
  const scorer = new HttpScorer({ url: server.url, model: 'memscope-builtin', timeoutMs: 30_000, concurrency: 8 });
  try {
    const engine = new ScoringEngine(context, { scorer, model: 'memscope-builtin', concurrency: 8, baselineFirst });
    return (await engine.run({ mode: 'full' })) as FullResult;
  } finally {
    await scorer.close();
  }
}

describe('scheduling for GPU cost', () => {
  test('baseline first: the rows find its prefix cached, and the server computes C*', async () => {
    // The server gathers what arrives within 250 ms into its first step, as a busy one would; the
    // window is wide so that the eager rows land in it on a loaded machine too (30 ms was missed
    // at a load of 12 on 2 cores).
    const server = await sim('sglang', '--admit-wait-ms', '250');
    const { context } = await loadContext(fixture('small.json'));
    const cost = fullMatrixCost(context);
    const expected = (await new ScoringEngine(context, { scorer: new BuiltinScorer(), model: 'memscope-builtin' }).run({ mode: 'full' })) as FullResult;

    await server.reset();
    const first = await fullOver(server, fixture('small.json'), true);
    const withGate = await server.stats();
    assert.deepEqual(first.matrix, expected.matrix, 'the simulator scores as the built-in model does');
    assert.ok(withGate.tokens_computed <= cost.ideal * 1.05, `computed ${withGate.tokens_computed} vs C* ${cost.ideal}`);
    // A row's prompt can share a token or two past its memory (the next turn opens as the memory did).
    assert.ok(withGate.tokens_computed >= cost.ideal - 4 * cost.memories, 'at most a few tokens a row under C*');

    await server.reset();
    await fullOver(server, fixture('small.json'), false);
    const eager = await server.stats();
    // Rows sent with the baseline share its first step and find nothing cached.
    assert.ok(eager.tokens_computed > cost.ideal * 1.3, `eager computed ${eager.tokens_computed} vs C* ${cost.ideal}`);
  });

  test('no call longer than the last token it needs: prompts end at the last response', async () => {
    const dir = await tempDir();
    try {
      const chat: ChatContext = {
        conversation: [
          { role: 'user', content: 'How do we deploy billing?' },
          { role: 'memory', key: 'deploy', content: 'Billing deploys run make ship.' },
          { role: 'assistant', content: 'Run make ship.' },
          { role: 'user', content: 'And the rollback? Tell me everything you know about rollbacks here.' },
          { role: 'memory', key: 'late', content: 'Rollbacks use make unship; it takes ten minutes.' },
        ],
      };
      const file = join(dir.path, 'chat.json');
      await writeFile(file, JSON.stringify(chat));
      const { context } = await loadContext(file);
      const cost = fullMatrixCost(context);
      const server = await sim('sglang');
      const result = await fullOver(server, file, undefined);
      assert.equal(result.calls, 3, 'call for call with the reference');
      assert.deepEqual(result.matrix[1], [0], 'a memory after the last response changes nothing');
      const s = await server.stats();
      // Baseline and the late memory's ablation are the trimmed prompt; the other lacks a memory.
      const entries = context.sections.conversation;
      assert.equal(s.tokens_received, 3 * cost.L - tokenCount(entries[1]!));
      assert.ok(cost.L < new PromptLayout(context, fullRange(context)).full.length - tokenCount(entries[4]!));
      assert.equal(cost.memories, 2);
      // The context-limit check measures the prompts the engine sends, not the untrimmed context.
      assert.equal(longestPrompt(context, { mode: 'full' }), cost.L);
      assert.equal(longestPrompt(context, { mode: 'finetune', count: 50 }), cost.L);
    } finally {
      await dir.remove();
    }
  });

  test('the done: line says how many prefill tokens the server computed and reused', async () => {
    const server = await sim('sglang');
    const run = await runCli(['score', fixture('small.json'), '--url', server.url, '--concurrency', '4', '--headless']);
    assert.equal(run.code, 0, run.stderr);
    const s = await server.stats();
    const done = /^done: .*; server: 9 requests, (\d+) prompt tokens, (\d+) reused from its prefix cache, (\d+) computed$/m.exec(run.stderr);
    assert.ok(done, run.stderr);
    assert.equal(Number(done[1]), s.tokens_received);
    assert.equal(Number(done[2]), s.tokens_reused);
    assert.equal(Number(done[3]), s.tokens_computed);
    assert.match(run.stderr, /^scoring: \d+\/8 .* · prefill [\d,]+ computed, [\d,]+ reused$/m);
  });
});

test('token counts read with thousands separators, millions in short', () => {
  assert.deepEqual(
    [0, 7, 999, 1000, 43_140, 999_999, 1_000_000, 5_001_777].map(tokensText),
    ['0', '7', '999', '1,000', '43,140', '999,999', '1.00M', '5.00M'],
  );
});
