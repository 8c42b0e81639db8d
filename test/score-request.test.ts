// The /score request reader: its fast scanner must agree with JSON.parse and the schema on
// every body, valid or not.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ScoreRequestSchema, parseScoreRequest, promptIds, scoreRequestBody, scoreRequestPieces } from '../src/score-request.ts';
import { tokenIdsJson, tokenIdsJsonPieces } from '../src/token-ids-json.ts';

/** The plain way: JSON.parse, the schema, then the ids. */
function slow(text: string, maxTokens: number) {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return 'request body is not JSON';
  }
  const parsed = ScoreRequestSchema.safeParse(json);
  if (!parsed.success) return `${parsed.error.issues[0]!.path.join('.') || 'body'}: ${parsed.error.issues[0]!.message}`;
  const prompt = promptIds(parsed.data.prompt, maxTokens);
  if (typeof prompt === 'string') return prompt;
  return { model: parsed.data.model, prompt, logprobs: parsed.data.logprobs, priority: parsed.data.priority };
}

test('the fast reader agrees with JSON.parse and the schema, on good and bad bodies', () => {
  const bodies = [
    '{"model":"m","prompt":[1,20,300,4000],"logprobs":1,"priority":5}',
    ' {\n "prompt" : [ 0 , 7 ,\t8 ] , "model" : null }\r\n',
    '{"prompt":[4294967295,0,10]}',
    '{"model":"caf\\u00e9 \\"x\\"","prompt":[1]}',
    '{"prompt":[1],"prompt":[2,3]}',
    '{"prompt":[1],"extra":true,"other":-1.5e3}',
    '{"prompt":[]}',
    '{"prompt":[4294967296]}',
    '{"prompt":[01]}',
    '{"prompt":[1.5]}',
    '{"prompt":[1e3]}',
    '{"prompt":[-2]}',
    '{"prompt":[1,]}',
    '{"prompt":[1 2]}',
    '{"prompt":"abc"}',
    '{"prompt":[[1]]}',
    '{"prompt":[1],"model":5}',
    '{"prompt":[1],"model":{"a":1}}',
    '{"prompt":[1],"priority":1.5}',
    '{"prompt":[1]} x',
    '{"prompt":[1]',
    '[1,2]',
    '',
    'not json',
    '{}',
    '{"prompt":[1,2,3,4,5,6]}',
  ];
  for (const body of bodies) {
    for (const max of [4_000_000, 5]) {
      assert.deepEqual(parseScoreRequest(Buffer.from(body), max), slow(body, max), `${body} (max ${max})`);
    }
  }
});

test('a long prompt written by the client reads back exactly', () => {
  const ids = new Uint32Array(100_000);
  for (let i = 0; i < ids.length; i++) ids[i] = (i * 2654435761) >>> 0;
  const body = tokenIdsJson(ids, '{"model":"x","prompt":', ',"logprobs":1,"priority":5}');
  assert.equal(Buffer.from(tokenIdsJson(ids)).toString(), `[${ids.join(',')}]`);
  const request = parseScoreRequest(body, 4_000_000);
  assert.ok(typeof request !== 'string');
  assert.deepEqual(request.prompt, ids);
  assert.deepEqual(request, slow(Buffer.from(body).toString(), 4_000_000));
  assert.equal(Buffer.from(tokenIdsJson(Uint32Array.from([0, 9, 10, 4294967295]), 'a', 'b')).toString(), 'a[0,9,10,4294967295]b');
  assert.equal(Buffer.from(tokenIdsJson(new Uint32Array(0))).toString(), '[]');
});

test('the client\'s body is the reference\'s JSON, whatever the model name', () => {
  const prompt = Uint32Array.from([1, 22, 333]);
  for (const [model, priority] of [['memscope-builtin', 5], ['modèle "ü" 🚀\\', undefined], [null, 0]] as const) {
    const text = Buffer.from(scoreRequestBody(prompt, model, priority)).toString();
    assert.match(text, /^[\x20-\x7e]+$/, 'ASCII');
    const json = JSON.parse(text);
    assert.deepEqual(json, { ...(model === null ? {} : { model }), prompt: [1, 22, 333], logprobs: 1, ...(priority === undefined ? {} : { priority }) });
    assert.deepEqual(parseScoreRequest(Buffer.from(text), 10), { model: model ?? undefined, prompt, logprobs: 1, priority });
  }
});

test('a streamed body is the same bytes as the whole one, however it is cut', () => {
  for (const length of [0, 1, 2, 5, 1000, 70_000]) {
    const ids = Uint32Array.from({ length }, (_, i) => (i * 2654435761) % 200_000);
    const whole = Buffer.from(tokenIdsJson(ids, '{"prompt":', '}'));
    for (const per of [1, 3, 1000, 1 << 16]) {
      const pieces = [...tokenIdsJsonPieces(ids, '{"prompt":', '}', per)];
      assert.deepEqual(Buffer.concat(pieces), whole, `${length} ids in pieces of ${per}`);
    }
    const streamed = scoreRequestPieces(ids, 'm', 5);
    const body = Buffer.concat([...streamed.pieces]);
    assert.equal(streamed.length, body.length);
    assert.deepEqual(body, Buffer.from(scoreRequestBody(ids, 'm', 5)));
  }
});
