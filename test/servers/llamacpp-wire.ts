// A server that answers as llama.cpp's llama-server does (shapes read from its server code): it
// gives logprobs of generated tokens only, never of prompt tokens, and describes itself on
// GET /props.
//
//   GET  /props           {"default_generation_settings": {..., "n_ctx"}, "total_slots", "chat_template", "build_info"}
//   GET  /v1/models       {"object": "list", "data": [{"id", "object": "model", "owned_by": "llamacpp", "meta": {...}}]}
//   POST /v1/completions  choices[0].logprobs.content (generated tokens); no prompt_logprobs; "timings"
//   unknown routes        404 {"error": {"code": 404, "message": "File Not Found", "type": "not_found_error"}}
//
//   node dist/test/servers/llamacpp-wire.js [--port 0] [--hide-self] [--exit-with-stdin]
//   --hide-self: no /props and a plain /v1/models card (a proxy in front): only the answer tells.
import type { ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';
import { readBody, sendText, serveWire, type HttpProblem } from './wire-kit.ts';

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' }, 'hide-self': { type: 'boolean', default: false }, 'exit-with-stdin': { type: 'boolean', default: false } } });
const log: string[] = [];

function send(res: ServerResponse, status: number, body: unknown): void {
  sendText(res, status, JSON.stringify(body), 'application/json; charset=utf-8');
}

/** llama-server's error shape: {"error": {"code", "message", "type"}}. */
function sendError(res: ServerResponse, problem: HttpProblem): void {
  send(res, problem.status, { error: { code: problem.status, message: problem.message, type: problem.status === 404 ? 'not_found_error' : 'server_error' } });
}

const notFound = { error: { code: 404, message: 'File Not Found', type: 'not_found_error' } };

serveWire(
  Number(values.port),
  (port) => `llamacpp-wire server on http://127.0.0.1:${port}/v1`,
  async (req, res, path) => {
    await readBody(req);
    log.push(`${req.method} ${path}`);
    if (path === '/_test/log') return send(res, 200, log);
    if (req.method === 'GET' && path === '/props' && !values['hide-self']) {
      return send(res, 200, { default_generation_settings: { n_ctx: 4096, params: { n_probs: 0 } }, total_slots: 1, model_path: 'model.gguf', chat_template: '{{ messages }}', build_info: 'b5000-test' });
    }
    if (req.method === 'GET' && path === '/v1/models') {
      const card = values['hide-self'] ? { id: 'model.gguf', object: 'model', created: 0 } : { id: 'model.gguf', object: 'model', created: 0, owned_by: 'llamacpp', meta: { n_ctx_train: 4096, n_vocab: 32000 } };
      return send(res, 200, { object: 'list', data: [card] });
    }
    if (req.method === 'POST' && path === '/v1/completions') {
      return send(res, 200, {
        choices: [{ text: 'x', index: 0, logprobs: { content: [{ id: 87, token: 'x', bytes: [120], logprob: -0.5, top_logprobs: [] }] }, finish_reason: 'length' }],
        created: 0,
        model: 'model.gguf',
        system_fingerprint: 'b5000-test',
        object: 'text_completion',
        usage: { completion_tokens: 1, prompt_tokens: 10, total_tokens: 11 },
        id: 'chatcmpl-test',
        timings: { prompt_n: 10, prompt_ms: 1, predicted_n: 1, predicted_ms: 1 },
      });
    }
    send(res, 404, notFound);
  },
  sendError,
  values['exit-with-stdin'],
);
