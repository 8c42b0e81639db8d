// What the fake servers share: reading a request's JSON, writing an answer, a failure that carries
// its HTTP status, and the server loop that turns a thrown failure into each server's error shape.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/** A request the server refuses: its status, the server's error type and, for a bad body, the field. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type = 'BadRequestError',
    /** A request body that fails validation: FastAPI's 422 where a server answers that way. */
    readonly field?: string,
  ) {
    super(message);
  }
}

export function sendText(res: ServerResponse, status: number, text: string, type = 'application/json'): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

export async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  try {
    const value = JSON.parse((await readBody(req)).toString('utf8')) as unknown;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // answered below
  }
  throw new HttpProblem(400, 'the body is not a JSON object', 'BadRequestError', 'body');
}

/**
 * Serves `route` on 127.0.0.1:`port` and says where on stderr (the tests read the address there).
 * A route that throws is answered in the server's own error shape, as a 500 unless it threw an
 * HttpProblem. SIGTERM stops the server; so does the end of stdin with `exitWithStdin`: a test
 * that dies without stopping it closes its stdin, and the server goes too rather than linger.
 */
export function serveWire(
  port: number,
  banner: (port: number) => string,
  route: (req: IncomingMessage, res: ServerResponse, path: string) => Promise<void>,
  sendError: (res: ServerResponse, problem: HttpProblem) => void,
  exitWithStdin = false,
): Server {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    route(req, res, path).catch((error: unknown) => {
      if (res.headersSent || res.destroyed) return;
      sendError(res, error instanceof HttpProblem ? error : new HttpProblem(500, String(error), 'InternalServerError'));
    });
  });
  server.listen(port, '127.0.0.1', () => process.stderr.write(`${banner((server.address() as { port: number }).port)}\n`));
  const stop = () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  if (exitWithStdin) process.stdin.on('end', stop).resume();
  return server;
}
