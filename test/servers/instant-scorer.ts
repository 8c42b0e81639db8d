// A scoring server that answers at once, to measure the client alone on huge contexts (the
// engine's memory at scale over HTTP). It reads the prompt like `memscope serve`, finds the
// responses, and scores each −10, or −11 for every response after the first token where the
// prompt differs from the longest prompt seen: half the matrix scored, the densest a causal model
// gives (a real LLM's nearly is). DELAY=ms holds each answer back that long (a slow server,
// without using the CPU). Prints its URL on stderr.
//   [PORT=8000] [DELAY=0] node dist/test/servers/instant-scorer.js
import { createServer } from 'node:http';
import { assistantSpans } from '../../src/builtin/builtin-model.ts';
import { commonPrefix } from '../../src/core/common-prefix.ts';
import { parseScoreRequest } from '../../src/scoring/score-request.ts';
import { builtinTemplate } from '../../src/context/template.ts';

const header = builtinTemplate.open('assistant');
let longest: Uint32Array = new Uint32Array(0);

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const request = parseScoreRequest(Buffer.concat(chunks), 4_000_000);
    if (typeof request === 'string') {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: request }));
      return;
    }
    const { prompt } = request;
    if (prompt.length > longest.length) longest = prompt;
    const differs = prompt === longest ? prompt.length : commonPrefix(prompt, longest);
    const scores = assistantSpans(prompt, header).map(({ start }) => ({ total_logprob: start > differs ? -11 : -10 }));
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ scores }));
    }, Number(process.env.DELAY ?? 0));
  });
});

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address();
  if (typeof address === 'object' && address !== null) process.stderr.write(`instant scorer on http://127.0.0.1:${address.port}/v1\n`);
});
process.on('SIGTERM', () => process.exit(0));
