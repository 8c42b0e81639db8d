// A proxy in a process of its own, in front of UPSTREAM. With DELAY, a slow gateway or a distant
// server: each request is read whole and held DELAY ms before it is forwarded. With LOG, a
// recorder: one JSON line per call (method, path, headers, request body, status, answer body, the
// calls in flight when it arrived, its client's port) is appended to LOG. Forwards over keep-alive
// connections; prints its URL on stderr.
//   UPSTREAM=http://127.0.0.1:8000 [DELAY=250] [LOG=calls.jsonl] node dist/test/servers/proxy.js [--port 0]
import { appendFileSync } from 'node:fs';
import { Agent, createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' } } });
const upstream = new URL(process.env.UPSTREAM!);
const delay = Number(process.env.DELAY ?? 0);
const log = process.env.LOG;
const agent = new Agent({ keepAlive: true, maxSockets: 64 });

/** Calls read and not yet answered. */
let inFlight = 0;

function forward(req: IncomingMessage, body: Buffer, res: ServerResponse, seen: number): void {
  const headers = { ...req.headers, host: upstream.host };
  const call = request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers, agent }, (answer) => {
    if (log === undefined) {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
      return;
    }
    const out: Buffer[] = [];
    answer.on('data', (c: Buffer) => out.push(c));
    answer.on('end', () => {
      const text = Buffer.concat(out).toString('utf8');
      const client = req.socket.remotePort;
      appendFileSync(log, `${JSON.stringify({ method: req.method, path: req.url, headers: req.headers, body: body.toString('utf8'), status: answer.statusCode, answer: text, inFlight: seen, client })}\n`);
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      res.end(text);
    });
  });
  call.on('error', (error) => {
    res.writeHead(502, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: error.message }));
  });
  call.end(body);
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const seen = ++inFlight;
    res.on('close', () => inFlight--);
    if (delay > 0) setTimeout(() => forward(req, body, res, seen), delay);
    else forward(req, body, res, seen);
  });
});

server.listen(Number(values.port), '127.0.0.1', () => {
  const address = server.address() as { port: number };
  process.stderr.write(`proxy (${delay} ms${log === undefined ? '' : ', recording'}) on http://127.0.0.1:${address.port}\n`);
});
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
