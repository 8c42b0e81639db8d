// A recording proxy: forwards every request to UPSTREAM and appends one JSON line per call
// (method, path, headers, request body, status, answer body) to LOG. Prints its URL on stderr.
//   UPSTREAM=http://127.0.0.1:8000 LOG=calls.jsonl node dist/test/servers/recording-proxy.js
import { appendFileSync } from 'node:fs';
import { createServer, request } from 'node:http';

const upstream = new URL(process.env.UPSTREAM!);
const log = process.env.LOG!;

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const forward = request(
      { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        const out: Buffer[] = [];
        answer.on('data', (c: Buffer) => out.push(c));
        answer.on('end', () => {
          const text = Buffer.concat(out).toString('utf8');
          appendFileSync(log, `${JSON.stringify({ method: req.method, path: req.url, headers: req.headers, body: body.toString('utf8'), status: answer.statusCode, answer: text })}\n`);
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          res.end(text);
        });
      },
    );
    forward.on('error', (error) => {
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: error.message }));
    });
    forward.end(body);
  });
});

server.listen(0, '127.0.0.1', () => {
  const address = server.address() as { port: number };
  process.stderr.write(`recording proxy on http://127.0.0.1:${address.port}/v1\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
