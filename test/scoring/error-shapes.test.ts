// Error answers in every shape servers use, read into one readable reason: unit cases for
// errorText, then the real fakes (vLLM nested, flat and FastAPI; SGLang flat and nested).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { errorText, JsonEndpoint } from '../../src/scoring/json-endpoint.ts';
import { startProcess, testScript, type RunningServer } from '../support/helpers.ts';

test('errorText: every shape says its message; nothing to say is undefined', () => {
  const cases: [unknown, string | undefined][] = [
    [{ error: 'model not loaded' }, 'model not loaded'],
    [{ error: { message: 'bad prompt', type: 'BadRequestError', param: null, code: 400 } }, 'bad prompt'],
    [{ object: 'error', message: 'flat one', type: 'BadRequestError', param: null, code: 400 }, 'flat one'],
    [{ message: 'top-level' }, 'top-level'],
    [{ detail: 'Not Found' }, 'Not Found'],
    [{ detail: [{ type: 'missing', loc: ['body', 'prompt'], msg: 'Field required', input: null }, { loc: ['body', 'max_tokens'], msg: 'must be ≥ 0' }] }, 'body.prompt: Field required; body.max_tokens: must be ≥ 0'],
    [{ detail: ['plain'] }, 'plain'],
    [{ error: { code: 404 } }, undefined],
    [{}, undefined],
    [{ detail: [] }, undefined],
    [null, undefined],
    ['text', undefined],
  ];
  for (const [body, expected] of cases) assert.equal(errorText(body), expected, JSON.stringify(body));
});

/** POSTs `body` to a fake's route and returns the reason memscope gives. */
async function reason(url: string, body: string): Promise<string> {
  const endpoint = new JsonEndpoint(url, { label: 'completions API', timeoutMs: 10_000 });
  try {
    await endpoint.post(body, 1 << 20);
    return 'no error';
  } catch (error) {
    return (error as Error).message;
  } finally {
    await endpoint.close();
  }
}

describe('error answers of the fakes, read', () => {
  const servers: Record<string, RunningServer> = {};
  before(async () => {
    const vllm = (shape: string) => startProcess([testScript('servers/vllm-wire.ts'), '--port', '0', '--error-shape', shape]);
    const sglang = (shape: string) => startProcess([testScript('servers/sglang-wire.ts'), '--port', '0', '--error-shape', shape]);
    [servers.nested, servers.flat, servers.fastapi, servers.sglangFlat, servers.sglangNested] = await Promise.all([
      vllm('nested'),
      vllm('flat'),
      vllm('fastapi'),
      sglang('flat'),
      sglang('nested'),
    ]);
  });
  after(async () => Promise.all(Object.values(servers).map((s) => s.stop())));

  test('vLLM today: {"error": {"message"}}', async () => {
    assert.equal(await reason(`${servers.nested!.url}/completions`, '{"model":"qwen","prompt":[1]}'), 'completions API HTTP 404: The model `qwen` does not exist.');
  });
  test('older vLLM: {"object": "error", "message"}', async () => {
    assert.equal(await reason(`${servers.flat!.url}/completions`, '{"model":"qwen","prompt":[1]}'), 'completions API HTTP 404: The model `qwen` does not exist.');
  });
  test('FastAPI validation: {"detail": [{"loc", "msg"}]}; an unknown route: {"detail": "Not Found"}', async () => {
    assert.equal(await reason(`${servers.fastapi!.url}/completions`, '{"prompt":"text"}'), 'completions API HTTP 422: body.prompt: this server takes the prompt as a non-empty list of token ids');
    assert.equal(await reason(`${servers.nested!.url}/chat`, '{}'), 'completions API HTTP 404: Not Found');
  });
  test('vLLM\'s NaN: a bare 500 whose text is the reason', async () => {
    assert.equal(await reason(`${servers.nested!.url.replace(/\/v1$/, '')}/_test/fault`, '{"fault":"nan"}'), 'no error');
    assert.equal(await reason(`${servers.nested!.url}/completions`, '{"prompt":[1,2,3],"max_tokens":1,"prompt_logprobs":1}'), 'completions API HTTP 500: Internal Server Error');
    await reason(`${servers.nested!.url.replace(/\/v1$/, '')}/_test/fault`, '{"fault":null}');
  });
  test('SGLang: flat on its OpenAI routes, nested on its native ones', async () => {
    const long = JSON.stringify({ input_ids: Array.from({ length: 10 }, () => 7), sampling_params: { max_new_tokens: 1 } });
    assert.equal(await reason(`${servers.sglangFlat!.url}/generate`, long), 'completions API HTTP 400: this fake serves prefill-only requests: sampling_params.max_new_tokens must be 0');
    assert.equal(await reason(`${servers.sglangNested!.url}/generate`, long), 'completions API HTTP 400: this fake serves prefill-only requests: sampling_params.max_new_tokens must be 0');
  });
});
