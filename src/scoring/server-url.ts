// Where a server's routes are, from the --url given: the scoring clients, the tokenizer and the
// probe all start from it.

/** `path` under `base`, e.g. http://host:8000/v1 + /completions. */
export function routeUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}${path}`;
}

/** The server's root: the scoring URL without a trailing /v1 (vLLM's /tokenize, SGLang's /generate). */
export function serverRoot(url: string): string {
  return url.replace(/\/+$/, '').replace(/\/v1$/, '');
}
