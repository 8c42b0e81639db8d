// Which failed calls are worth another try, and how long to wait: exponential backoff with
// jitter, or the server's Retry-After when it says one.

export const DEFAULT_RETRIES = 3;
export const BACKOFF_BASE_MS = 1000;
const BACKOFF_CAP_MS = 30_000;
/** A Retry-After longer than this is not waited for: the call fails instead. */
export const RETRY_AFTER_CAP_MS = 120_000;

/** Socket-level failures that a restarted or recovering server no longer has. */
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

export function isTransientStatus(status: number): boolean {
  return status === 408 || status === 429 || status === 502 || status === 503 || status === 504;
}

export function isTransientCode(code: string | undefined): boolean {
  return code !== undefined && TRANSIENT_CODES.has(code);
}

/** Delay before retry number `attempt` (1-based): base·2^(attempt−1), capped, half of it jittered. */
export function backoffDelay(attempt: number, random: () => number = Math.random, base = BACKOFF_BASE_MS): number {
  const full = Math.min(BACKOFF_CAP_MS, base * 2 ** (attempt - 1));
  return full / 2 + random() * (full / 2);
}

/** Retry-After as delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text.trim() === '') return undefined;
  if (/^\d+$/.test(text.trim())) return Number(text.trim()) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
