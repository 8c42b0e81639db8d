// The /score request reader: its fast scanner must agree with JSON.parse and the schema on
// every body, valid or not.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ScoreRequestSchema, parseScoreRequest, promptIds, scoreRequestBody, scoreRequestPayload, scoreRequestPieces } from '../../src/scoring/score-request.ts';
import { ReferenceEncoder, tokenIdsJson, tokenIdsJsonPieces } from '../../src/scoring/token-ids-json.ts';

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
    const parts = [ids.subarray(0, length >> 2), ids.subarray(length >> 2, length >> 2), ids.subarray(length >> 2)];
    assert.deepEqual(Buffer.concat([...tokenIdsJsonPieces(parts, '{"prompt":', '}', 777)]), whole, `${length} ids in three parts`);
    const streamed = scoreRequestPieces(ids, 'm', 5);
    const body = Buffer.concat([...streamed.pieces]);
    assert.equal(streamed.length, body.length);
    assert.deepEqual(body, Buffer.from(scoreRequestBody(ids, 'm', 5)));
  }
});

test('a body sent from a prompt\'s runs is the same bytes as from the prompt, streamed or whole, and never reads the prompt', async () => {
  let x = 3;
  const random = (n: number) => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) % n);
  const base = Uint32Array.from({ length: 3000 }, () => random(300_000));
  const encoder = new ReferenceEncoder(10_000);
  for (let i = 0; i < 40; i++) {
    const cuts = [0, ...Array.from({ length: 2 * random(5) }, () => random(3001)).sort((a, b) => a - b), 3000];
    const runs = Int32Array.from(cuts);
    const joined: number[] = [];
    for (let k = 0; k < runs.length; k += 2) joined.push(...base.subarray(runs[k], runs[k + 1]));
    const whole = Buffer.from(scoreRequestBody(Uint32Array.from(joined), 'm', 5));
    const call = {
      get prompt(): Uint32Array {
        throw new Error('the prompt was built');
      },
      source: { base, runs },
      priority: 5,
    };
    // Streamed above 100 ids (most cases here), one buffer below.
    const payload = scoreRequestPayload(call, 'm', 100, encoder);
    const bytes = payload.body instanceof Uint8Array ? Buffer.from(payload.body) : Buffer.concat(await payload.body.toArray());
    assert.equal(payload.length, bytes.length);
    assert.deepEqual(bytes, whole, `runs ${[...runs].join(',')}`);
  }
});

test('encoding against a reference prompt gives the same bytes as encoding from scratch', () => {
  let x = 7;
  const random = (n: number) => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) % n);
  const base = Uint32Array.from({ length: 500 }, () => random(200_000));
  const cut = (a: Uint32Array, from: number, to: number) => Uint32Array.from([...a.subarray(0, from), ...a.subarray(to)]);
  const cases: Uint32Array[] = [base, cut(base, 10, 20), cut(base, 0, 5), cut(base, 490, 500), base.subarray(0, 1), base.subarray(0, 250), new Uint32Array(0), base.subarray(400), Uint32Array.from([...base.subarray(0, 100), 1, 2, 3, ...base.subarray(100)]), Uint32Array.from([...base.subarray(0, 100), 4294967295, ...base.subarray(300)]), Uint32Array.from([9, 9, 9]), Uint32Array.from([...base, 5]), cut(base, 1, 499)];
  for (let i = 0; i < 50; i++) {
    const from = random(500);
    cases.push(cut(base, from, from + random(500 - from)));
  }
  const encoder = new ReferenceEncoder(10_000);
  encoder.encode(base, 'H', 'T');
  for (const [i, ids] of cases.entries()) {
    assert.deepEqual(Buffer.from(encoder.encode(ids, '{"prompt":', '}')), Buffer.from(tokenIdsJson(ids, '{"prompt":', '}')), `case ${i} (${ids.length} ids)`);
  }
  // From runs of a base: each run's bytes copied.
  const withRuns = new ReferenceEncoder(10_000);
  for (let i = 0; i < 60; i++) {
    const cuts = [0, ...Array.from({ length: 2 * random(6) }, () => random(501)).sort((a, b) => a - b), 500];
    if (i === 0) cuts.splice(1, cuts.length - 2);
    const runs = Int32Array.from(cuts);
    const joined: number[] = [];
    for (let k = 0; k < runs.length; k += 2) joined.push(...base.subarray(runs[k], runs[k + 1]));
    const ids = Uint32Array.from(joined);
    assert.deepEqual(Buffer.from(withRuns.encodeSource({ base, runs }, 'h', 't')!), Buffer.from(tokenIdsJson(ids, 'h', 't')), `runs ${[...runs].join(',')}`);
    // Interleaved with a call that gives no source.
    assert.deepEqual(Buffer.from(withRuns.encode(cases[i % cases.length]!)), Buffer.from(tokenIdsJson(cases[i % cases.length]!)));
  }
  // A longer prompt becomes the reference; prompts over the limit never do.
  const small = new ReferenceEncoder(3);
  for (const ids of [Uint32Array.from([1, 2]), Uint32Array.from([1, 2, 3, 4, 5]), Uint32Array.from([1, 2, 4, 5]), Uint32Array.from([2])]) {
    assert.deepEqual(Buffer.from(small.encode(ids)), Buffer.from(tokenIdsJson(ids)));
  }
});

test('reading a body against a reference body gives what reading it whole gives', async () => {
  const { ReferenceDecoder } = await import('../../src/scoring/reference-decoder.ts');
  const { commonPrefixBytes, commonSuffixBytes, commonPrefix, commonSuffix } = await import('../../src/core/common-prefix.ts');
  let x = 11;
  const random = (n: number) => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) % n);
  const base = Uint32Array.from({ length: 20_000 }, () => random(150_000));
  const cut = (a: Uint32Array, from: number, to: number) => Uint32Array.from([...a.subarray(0, from), ...a.subarray(to)]);
  const body = (ids: Uint32Array, model = 'm', priority = 5) => Buffer.from(scoreRequestBody(ids, model, priority));
  const bodies: Buffer[] = [body(base), body(base), body(cut(base, 100, 200)), body(cut(base, 0, 1)), body(cut(base, 19_999, 20_000)), body(base.subarray(0, 7)), body(cut(base, 1, 19_999)), body(base, 'other'), body(base, 'm', 6), body(Uint32Array.from([...base.subarray(0, 50), 7, 77, 777, ...base.subarray(50)]))];
  for (let i = 0; i < 60; i++) {
    const from = random(20_000);
    bodies.push(body(cut(base, from, from + random(Math.min(3000, 20_000 - from)))));
  }
  // Hand-edited bodies: spaces, a bad id, empty slots, a leading zero, a changed head or tail.
  const text = body(cut(base, 500, 600)).toString();
  const at = text.indexOf(',', 3000);
  for (const edited of [text.slice(0, at) + ' ' + text.slice(at), text.slice(0, at) + ',,' + text.slice(at + 1), text.slice(0, at) + ',-5' + text.slice(at), text.slice(0, at) + ',01' + text.slice(at), text.slice(0, at) + ',99999999999' + text.slice(at), text.slice(0, at) + ',1.5' + text.slice(at), text.replace('"m"', '"n"'), text.replace('"priority":5', '"priority":"x"'), text.slice(0, at) + ']' + text.slice(at + 1), '{"prompt":[]}', '{"prompt":[1,2]}']) {
    bodies.push(Buffer.from(edited));
  }
  for (const max of [4_000_000, 19_950]) {
    const decoder = new ReferenceDecoder();
    for (const [i, b] of bodies.entries()) assert.deepEqual(parseScoreRequest(b, max, decoder), parseScoreRequest(b, max), `body ${i} (max ${max})`);
    assert.ok(decoder.hits >= 60, `most bodies read from the reference: ${decoder.hits}`);
  }
  const a = Buffer.from('abcdefgh'.repeat(3000));
  const b = Buffer.from(`${'abcdefgh'.repeat(1500)}X${'abcdefgh'.repeat(1500)}`);
  assert.equal(commonPrefixBytes(a, b), 12_000);
  assert.equal(commonSuffixBytes(a, b, Infinity), 12_000);
  assert.equal(commonPrefixBytes(a, a), a.length);
  const ids = Uint32Array.from({ length: 30_000 }, (_, i) => i * 7);
  const other = ids.slice();
  other[12_345] = 1;
  assert.equal(commonPrefix(ids, other), 12_345);
  assert.equal(commonSuffix(ids, other), 30_000 - 12_346);
  assert.equal(commonPrefix(ids.subarray(3), other.subarray(3), 100), 100);
  assert.equal(commonPrefix(ids, ids.subarray(0, 10)), 10);
});

test('serve writes its answer as JSON.stringify would', async () => {
  const { scoresJson } = await import('../../src/builtin/server.ts');
  for (const scores of [[], [-1.5], [-0, 0, -123.456789012345, -1e-7, -3.3e21]]) {
    assert.equal(scoresJson(scores), JSON.stringify({ scores: scores.map((total_logprob) => ({ total_logprob })) }));
  }
});
