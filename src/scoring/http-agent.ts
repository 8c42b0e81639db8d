// undici's Agent and request(), without the rest of the package. Its index also loads fetch,
// WebSocket, cookies, cache stores and mocks, about 30 ms of start-up on every HTTP run (measured
// with the bundle on Node 20); these two files are all a JSON POST needs. undici has no "exports"
// map, so the paths are reachable; if an upgrade moves them, the build fails, not a run.
import Agent from 'undici/lib/dispatcher/agent.js';
import apiRequest from 'undici/lib/api/api-request.js';
import type { Dispatcher } from 'undici';

export { Agent };

/** What undici's `request(url, options)` does with a dispatcher given: the URL split into origin and path. */
export function request(url: URL, options: Omit<Dispatcher.RequestOptions, 'origin' | 'path'> & { dispatcher: Dispatcher }): Promise<Dispatcher.ResponseData> {
  const { dispatcher, ...rest } = options;
  return apiRequest.call(dispatcher, { ...rest, origin: url.origin, path: `${url.pathname}${url.search}` });
}
