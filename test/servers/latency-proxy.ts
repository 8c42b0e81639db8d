// A proxy that adds a fixed delay to every call: a slow gateway or a distant server, in a
// process of its own. Each request is read whole, held DELAY ms, forwarded to UPSTREAM over a
// keep-alive connection, and the answer passed back. Prints its URL on stderr.
//   UPSTREAM=http://127.0.0.1:8000 DELAY=250 node dist/test/servers/latency-proxy.js [--port 0]
import { Agent, createServer, request } from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' } } });
const upstream = new URL(process.env.UPSTREAM!);
const delay = Number(process.env.DELAY ?? 250);
const agent = new Agent({ keepAlive: true, maxSockets: 64 });

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    setTimeout(() => {
      const forward = request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: { ...req.headers, host: upstream.host }, agent }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      forward.on('error', (error) => {
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: error.message }));
      });
      forward.end(body);
    }, delay);
  });
});

server.listen(Number(values.port), '127.0.0.1', () => {
  const address = server.address() as { port: number };
  process.stderr.write(`latency proxy (${delay} ms) on http://127.0.0.1:${address.port}\n`);
});
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
