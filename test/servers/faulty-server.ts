// A misbehaving scoring server for fault-injection tests. It scores with the built-in model,
// but the Nth call to /score follows step N of the FAULTS schedule (a JSON array); calls past
// the end of the schedule are answered correctly. It prints its URL on stderr and appends one
// line per call to LOG (if set): the step it took and the Authorization header it saw.
//
// Steps: "ok", "reset" (drop the connection), "stall" (never answer), an HTTP status such as
// "503" or "429:2" (status with Retry-After seconds), "garbage" (200, not JSON), "wrong-count",
// "infinity", "positive", "error200" (200 with an "error"), "huge" (a 20 MiB answer),
// "echo-auth" (400 quoting the request's Authorization header).
import { appendFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { assistantSpans } from '../../src/builtin/builtin-model.ts';
import { BuiltinScorer } from '../../src/builtin/builtin-scorer.ts';
import { builtinTemplate } from '../../src/context/template.ts';

const schedule: string[] = JSON.parse(process.env.FAULTS ?? '[]');
const port = Number(process.env.PORT ?? 0);
const scorer = new BuiltinScorer();
const header = builtinTemplate.open('assistant');
let calls = 0;

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => void answer(req, res, chunks));
});

async function answer(req: IncomingMessage, res: ServerResponse, chunks: Buffer[]): Promise<void> {
  if (req.url === '/health') {
    res.end('{"status":"ok"}');
    return;
  }
  const step = schedule[calls++] ?? 'ok';
  if (process.env.LOG) appendFileSync(process.env.LOG, `${JSON.stringify({ call: calls - 1, step, authorization: req.headers.authorization ?? null })}\n`);
  const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };
  const status = /^(\d{3})(?::(\d+))?$/.exec(step);
  if (status) {
    json(Number(status[1]), { error: `injected ${status[1]}` }, status[2] ? { 'retry-after': status[2] } : {});
    return;
  }
  switch (step) {
    case 'reset':
      req.socket.destroy();
      return;
    case 'stall':
      return;
    case 'garbage':
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>502 Bad Gateway</html>');
      return;
    case 'error200':
      json(200, { error: 'model is loading' });
      return;
    case 'echo-auth':
      json(400, { error: `bad header: ${req.headers.authorization}` });
      return;
    case 'huge':
      json(200, `{"scores":[${'{"total_logprob":-1.0},'.repeat(1_000_000)}{"total_logprob":-1}]}`);
      return;
  }
  const prompt = Uint32Array.from(JSON.parse(Buffer.concat(chunks).toString('utf8')).prompt as number[]);
  const scores = await scorer.score({ prompt, expected: assistantSpans(prompt, header).length });
  if (step === 'wrong-count') scores.pop();
  if (step === 'positive') scores[0] = 3.5;
  const body = JSON.stringify({ scores: scores.map((total_logprob) => ({ total_logprob })) });
  json(200, step === 'infinity' ? body.replace(/"total_logprob":[^,}]+/, '"total_logprob":1e999') : body);
}

server.listen(port, '127.0.0.1', () => {
  process.stderr.write(`faulty server on http://127.0.0.1:${(server.address() as { port: number }).port}/v1\n`);
});
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
