// Reading /completions answers: the entry of the token actually in the prompt is the one summed,
// wherever it sits in an item, and a malformed answer is refused with its reason.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AnswerProblem, echoTotals, promptLogprobsTotals } from '../../src/scoring/completions-answer.ts';

// <s> header 10 | 11 12 <eot> | header 13 | 14 <eot>   (two responses)
const prompt = Uint32Array.from([7, 10, 11, 12, 2, 10, 13, 14, 2]);
const spans = [
  { start: 2, end: 5 },
  { start: 7, end: 9 },
];
const lp = [NaN, -0.5, -1.25, -2.5, -0.125, -3, -0.75, -4, -0.0625];

/** Writes an item by hand so that the order of its entries is the one given. */
function item(entries: [id: number, logprob: number | string, rank: number][]): string {
  return `{${entries.map(([id, logprob, rank]) => `"${id}":{"logprob":${logprob},"rank":${rank},"decoded_token":"t${id}"}`).join(',')}}`;
}

/** Every position: a better candidate with a smaller id first, then the prompt token. */
function answer(items: string[]): unknown {
  return JSON.parse(`{"choices":[{"index":0,"text":"x","prompt_logprobs":[${items.join(',')}]}]}`);
}

function goodItems(): string[] {
  return Array.from(prompt, (id, i) => (i === 0 ? 'null' : item([[id - 1, lp[i]! / 2, 1], [id + 1, lp[i]! / 3, 2], [id, lp[i]!, 3]])));
}

const expected = [lp[2]! + lp[3]! + lp[4]!, lp[7]! + lp[8]!];

test('prompt_logprobs: the prompt token entry is summed, not the first, smallest or best one', () => {
  assert.deepEqual(promptLogprobsTotals(answer(goodItems()), prompt, spans), expected);
  // Items that hold the prompt token alone (it was the top choice) read the same.
  const single = Array.from(prompt, (id, i) => (i === 0 ? 'null' : item([[id, lp[i]!, 1]])));
  assert.deepEqual(promptLogprobsTotals(answer(single), prompt, spans), expected);
});

test('echo: token_logprobs over the prompt, the generated token after it ignored', () => {
  const values = Array.from(prompt, (_, i) => (i === 0 ? null : lp[i]!));
  const body = { choices: [{ logprobs: { token_logprobs: [...values, -9], tokens: [] } }], usage: { completion_tokens: 1 } };
  assert.deepEqual(echoTotals(body, prompt, spans), expected);
  // A server that generated nothing (max_tokens 0 style) says so in usage.
  assert.deepEqual(echoTotals({ choices: [{ logprobs: { token_logprobs: values } }], usage: { completion_tokens: 0 } }, prompt, spans), expected);
});

function refuses(run: () => unknown, reason: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof AnswerProblem, `expected an AnswerProblem, got ${String(error)}`);
    assert.match(error.message, reason);
    return true;
  });
}

test('prompt_logprobs: malformed answers are refused with a reason', () => {
  const at = (i: number, text: string) => goodItems().map((x, j) => (j === i ? text : x));
  refuses(() => promptLogprobsTotals(answer(goodItems().slice(0, -1)), prompt, spans), /has 8 items for a prompt of 9 tokens/);
  refuses(() => promptLogprobsTotals(answer([...goodItems(), 'null']), prompt, spans), /has 10 items for a prompt of 9 tokens/);
  refuses(() => promptLogprobsTotals(answer(at(4, item([[1, -0.1, 1], [3, -0.2, 2]]))), prompt, spans), /prompt_logprobs\[4\] has no entry for the prompt's token id 2 \(it has 1, 3\)/);
  refuses(() => promptLogprobsTotals(answer(at(3, 'null')), prompt, spans), /prompt_logprobs\[3\] is null: token 3 \(id 12\) has no logprob/);
  refuses(() => promptLogprobsTotals(answer(at(7, item([[14, 0.25, 1]]))), prompt, spans), /prompt_logprobs\[7\]\["14"\]\.logprob is a positive logprob \(0\.25\)/);
  refuses(() => promptLogprobsTotals(answer(at(7, item([[14, 'null', 1]]))), prompt, spans), /\.logprob is not a number \(null\)/);
  refuses(() => promptLogprobsTotals(answer(at(7, item([[14, '"-1"', 1]]))), prompt, spans), /\.logprob is not a number \("-1"\)/);
  // Outside every span too: the answer is for another token stream.
  refuses(() => promptLogprobsTotals(answer(at(1, item([[99, -1, 1]]))), prompt, spans), /prompt_logprobs\[1\] has no entry for the prompt's token id 10/);
  refuses(() => promptLogprobsTotals({ choices: [{ text: 'x', prompt_logprobs: null }] }, prompt, spans), /no choices\[0\]\.prompt_logprobs \(does the server support prompt_logprobs\?\)/);
  refuses(() => promptLogprobsTotals({ choices: [] }, prompt, spans), /choices: no choices/);
  refuses(() => promptLogprobsTotals({ object: 'error' }, prompt, spans), /^choices: /);
});

test('prompt_logprobs: NaN and -Infinity are refused', () => {
  const items = JSON.parse(`[${goodItems().join(',')}]`) as Record<string, { logprob: number }>[];
  items[2]!['11']!.logprob = NaN;
  refuses(() => promptLogprobsTotals({ choices: [{ prompt_logprobs: items }] }, prompt, spans), /prompt_logprobs\[2\]\["11"\]\.logprob is NaN/);
  items[2]!['11']!.logprob = -Infinity;
  refuses(() => promptLogprobsTotals({ choices: [{ prompt_logprobs: items }] }, prompt, spans), /is not finite \(-Infinity\)/);
});

test('echo: malformed answers are refused with a reason', () => {
  const values = (): (number | null)[] => [...Array.from(prompt, (_, i) => (i === 0 ? null : lp[i]!)), -9];
  const body = (list: unknown) => ({ choices: [{ logprobs: { token_logprobs: list } }] });
  const with_ = (i: number, value: unknown) => values().map((v, j) => (j === i ? value : v));
  refuses(() => echoTotals(body(values().slice(1)), prompt, spans), /token_logprobs has 9 items for a prompt of 9 tokens and 1 generated/);
  refuses(() => echoTotals(body(with_(5, null)), prompt, spans), /token_logprobs\[5\] is null: token 5 \(id 10\) has no logprob/);
  refuses(() => echoTotals(body(with_(3, 1.5)), prompt, spans), /token_logprobs\[3\] is a positive logprob \(1\.5\)/);
  refuses(() => echoTotals(body(with_(3, NaN)), prompt, spans), /token_logprobs\[3\] is NaN/);
  refuses(() => echoTotals({ choices: [{ text: 'x', logprobs: null }] }, prompt, spans), /no choices\[0\]\.logprobs\.token_logprobs/);
});

test('a span that uses the first token needs a logprob there', () => {
  const withFirst = [{ start: 0, end: 2 }];
  refuses(() => promptLogprobsTotals(answer(goodItems()), prompt, withFirst), /prompt_logprobs\[0\] is null/);
  assert.throws(() => promptLogprobsTotals(answer(goodItems()), prompt, [{ start: 5, end: 12 }]), /outside a prompt of 9 tokens/);
});

test('the completions request body: the fields vLLM reads, any model name, ids as numbers', async () => {
  const { CompletionsScorer } = await import('../../src/scoring/completions-client.ts');
  const prompt = Uint32Array.from([0, 7, 4294967295, 151643]);
  for (const field of ['prompt_logprobs', 'echo'] as const) {
    for (const model of [null, 'Qwen/Qwen2.5-7B', 'modèle "ünï" \u2028']) {
      for (const priority of [undefined, 5]) {
        const scorer = new CompletionsScorer({ url: 'http://127.0.0.1:1/v1', model, field, timeoutMs: 1000 });
        const bytes = scorer.requestBody({ prompt, expected: 0, priority });
        assert.match(Buffer.from(bytes).toString('latin1'), /^[\x20-\x7e]+$/, 'ASCII');
        assert.deepEqual(JSON.parse(Buffer.from(bytes).toString()), {
          ...(model === null ? {} : { model }),
          prompt: [...prompt],
          max_tokens: 1,
          ...(field === 'echo' ? { echo: true, logprobs: 1 } : { prompt_logprobs: 1 }),
          ...(priority === undefined ? {} : { priority }),
        });
        await scorer.close();
      }
    }
  }
});
