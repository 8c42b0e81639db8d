// A replica that always answers the same wrong way, to test how a pool of replicas treats it.
// ANSWER=503 (any HTTP status, with a JSON error), ANSWER=malformed (200 with a body that is not
// a score answer) or ANSWER=reset (closes the connection without answering). GET /count says
// how many score calls it received. Prints its URL on stderr.
//   ANSWER=503 node dist/test/servers/faulty-replica.js
import { createServer } from 'node:http';

const answer = process.env.ANSWER ?? '503';
let calls = 0;

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/count') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ calls }));
    return;
  }
  req.resume();
  req.on('end', () => {
    calls++;
    if (answer === 'reset') {
      req.socket.destroy();
    } else if (answer === 'malformed') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"scores": "not a list"}');
    } else {
      res.writeHead(Number(answer), { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: `always ${answer}` }));
    }
  });
});

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (typeof address === 'object' && address !== null) process.stderr.write(`faulty replica (${answer}) on http://127.0.0.1:${address.port}/v1\n`);
});
process.on('SIGTERM', () => process.exit(0));
