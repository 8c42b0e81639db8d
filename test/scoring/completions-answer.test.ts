// Reading /completions answers: the entry of the token actually in the prompt is the one summed,
// wherever it sits in an item, and a malformed answer is refused with its reason.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { echoTotals, promptLogprobsTotals } from '../../src/scoring/completions-answer.ts';
import { AnswerProblem } from '../../src/scoring/http-client.ts';

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
  refuses(() => promptLogprobsTotals(answer(at(3, 'null')), prompt, spans), /^the server returned no logprob at prompt position 3 \(token id 12\): prompt_logprobs\[3\] is null$/);
  refuses(() => promptLogprobsTotals(answer(at(7, item([[14, 0.25, 1]]))), prompt, spans), /prompt_logprobs\[7\]\["14"\]\.logprob is a positive logprob \(0\.25\)/);
  refuses(() => promptLogprobsTotals(answer(at(7, item([[14, 'null', 1]]))), prompt, spans), /^the server returned no logprob at prompt position 7 \(token id 14\) \(prompt_logprobs\[7\]\["14"\]\.logprob is null: −inf or NaN on the server\)$/);
  refuses(() => promptLogprobsTotals(answer(at(7, item([[14, '"-1"', 1]]))), prompt, spans), /\.logprob is not a number \("-1"\)/);
  // Outside every span too: the answer is for another token stream.
  refuses(() => promptLogprobsTotals(answer(at(1, item([[99, -1, 1]]))), prompt, spans), /prompt_logprobs\[1\] has no entry for the prompt's token id 10/);
  refuses(() => promptLogprobsTotals({ choices: [{ text: 'x', prompt_logprobs: null }] }, prompt, spans), /no choices\[0\]\.prompt_logprobs \(does the server support prompt_logprobs\?/);
  refuses(() => promptLogprobsTotals({ choices: [] }, prompt, spans), /choices: no choices/);
  refuses(() => promptLogprobsTotals({ object: 'error' }, prompt, spans), /^choices: /);
});

test('prompt_logprobs: NaN and -Infinity are refused', () => {
  const items = JSON.parse(`[${goodItems().join(',')}]`) as Record<string, { logprob: number }>[];
  items[2]!['11']!.logprob = NaN;
  refuses(() => promptLogprobsTotals({ choices: [{ prompt_logprobs: items }] }, prompt, spans), /^the server returned NaN at prompt position 2 \(token id 11\)/);
  items[2]!['11']!.logprob = -Infinity;
  refuses(() => promptLogprobsTotals({ choices: [{ prompt_logprobs: items }] }, prompt, spans), /^the server returned −inf at prompt position 2 \(token id 11\)/);
});

test('−9999 (vLLM\'s −inf) at a scored position fails the call; outside every span it is not read', () => {
  const at = (i: number, text: string) => goodItems().map((x, j) => (j === i ? text : x));
  refuses(
    () => promptLogprobsTotals(answer(at(3, item([[12, '-9999.0', 40000]]))), prompt, spans),
    /^the server returned −inf at prompt position 3 \(token id 12\) \(prompt_logprobs\[3\]\["12"\]\.logprob is -9999, vLLM's stand-in for −inf\)$/,
  );
  // Position 5 (a header) and 1 are in no span: the totals do not change.
  assert.deepEqual(promptLogprobsTotals(answer(at(5, item([[10, '-9999.0', 40000]]))), prompt, spans), expected);
  assert.deepEqual(promptLogprobsTotals(answer(at(1, 'null')), prompt, spans), expected);
  const values = [...Array.from(prompt, (_, i) => (i === 0 ? null : i === 6 ? -9999 : lp[i]!)), -9];
  assert.deepEqual(echoTotals({ choices: [{ logprobs: { token_logprobs: values } }] }, prompt, spans), expected);
  values[8] = -9999;
  refuses(() => echoTotals({ choices: [{ logprobs: { token_logprobs: values } }] }, prompt, spans), /^the server returned −inf at prompt position 8 \(token id 2\)/);
});

test('echo: malformed answers are refused with a reason', () => {
  const values = (): (number | null)[] => [...Array.from(prompt, (_, i) => (i === 0 ? null : lp[i]!)), -9];
  const body = (list: unknown) => ({ choices: [{ logprobs: { token_logprobs: list } }] });
  const with_ = (i: number, value: unknown) => values().map((v, j) => (j === i ? value : v));
  refuses(() => echoTotals(body(values().slice(1)), prompt, spans), /token_logprobs has 9 items for a prompt of 9 tokens and 1 generated/);
  refuses(() => echoTotals(body(with_(7, null)), prompt, spans), /^the server returned no logprob at prompt position 7 \(token id 14\) \(token_logprobs\[7\] is null/);
  refuses(() => echoTotals(body(with_(3, 1.5)), prompt, spans), /token_logprobs\[3\] is a positive logprob \(1\.5\)/);
  refuses(() => echoTotals(body(with_(3, NaN)), prompt, spans), /^the server returned NaN at prompt position 3 \(token id 12\) \(token_logprobs\[3\]\)$/);
  refuses(() => echoTotals({ choices: [{ text: 'x', logprobs: null }] }, prompt, spans), /no choices\[0\]\.logprobs\.token_logprobs/);
});

test('a span that uses the first token needs a logprob there', () => {
  const withFirst = [{ start: 0, end: 2 }];
  refuses(() => promptLogprobsTotals(answer(goodItems()), prompt, withFirst), /at prompt position 0 \(token id 7\): prompt_logprobs\[0\] is null/);
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
