// SGLang's native POST /generate as it answers a prefill-only logprob request, over any prefix
// cache (a function that says how much of a prompt it served) and any causal model (a function
// from token ids to per-position logprobs). The HTTP shells are sglang-wire.ts (a PrefixTree)
// and gpu-sim.ts (the simulated GPU's cache and clock).
//
//   request  {"input_ids": [...], "sampling_params": {"max_new_tokens": 0}, "return_logprob": true,
//             "logprob_start_len": s, "top_logprobs_num": 0}
//   answer   {"text": "", "meta_info": {"id", "finish_reason", "prompt_tokens", "completion_tokens",
//             "cached_tokens", "input_token_logprobs": [[logprob | null, token_id, null], ...]
//             from position s on (the entry at s is null), "output_token_logprobs": []}}
//
// The cache serves a prefix only up to logprob_start_len (the positions after it need their
// logits computed) and never the whole prompt (one token at least is computed). NaN and ±inf are
// written as null, as SGLang's JSON encoder does.
export type Logprobs = (ids: Uint32Array) => Promise<Float64Array>;

export interface GenerateSettings {
  /** Runs the prompt's prefill, reading the cache for at most `readLimit` tokens; resolves with the tokens it read. */
  readonly prefill: (prompt: Uint32Array, readLimit: number) => Promise<number>;
  readonly logprobs: Logprobs;
  /** The model's context length: a prompt of this many tokens or more is refused. */
  readonly contextLength: number;
  readonly vocabSize: number;
}

export interface GenerateFault {
  /** 'nan' or 'neg-inf' write null at `at`; 'wrong-id' puts another token id there; 'short' drops the last entry. */
  readonly kind: 'nan' | 'neg-inf' | 'wrong-id' | 'short' | 'unavailable';
  readonly at: number;
}

export interface GenerateOutcome {
  readonly status: number;
  /** The answer's JSON, or the error's message (the shell shapes errors). */
  readonly body: string;
  readonly error?: { readonly message: string; readonly type: string };
  readonly promptTokens: number;
  readonly cachedTokens: number;
  /** Prompt tokens the server ran through the model: promptTokens − cachedTokens. */
  readonly computedTokens: number;
}

let nextId = 0;

function refusal(status: number, message: string, type = 'BadRequestError'): GenerateOutcome {
  return { status, body: '', error: { message, type }, promptTokens: 0, cachedTokens: 0, computedTokens: 0 };
}

function finite(value: number): string {
  return Number.isFinite(value) ? String(value) : 'null';
}

export async function answerGenerate(body: Record<string, unknown>, settings: GenerateSettings, fault?: GenerateFault): Promise<GenerateOutcome> {
  const ids = body.input_ids;
  if (!Array.isArray(ids) || !ids.every((id) => Number.isInteger(id) && id >= 0)) return refusal(400, 'input_ids must be a list of token ids');
  if (ids.length === 0) return refusal(400, 'The input_ids is empty.');
  for (const id of ids as number[]) if (id >= settings.vocabSize) return refusal(400, `The input_ids ${id} is out of the vocabulary (size ${settings.vocabSize}).`);
  const L = ids.length;
  if (L >= settings.contextLength) return refusal(400, `The input (${L} tokens) is longer than the model's context length (${settings.contextLength} tokens).`);
  const sampling = (body.sampling_params ?? {}) as Record<string, unknown>;
  const maxNew = sampling.max_new_tokens ?? 128;
  if (maxNew !== 0) return refusal(400, 'this fake serves prefill-only requests: sampling_params.max_new_tokens must be 0');
  const returnLogprob = body.return_logprob === true;
  let start = body.logprob_start_len ?? -1;
  if (!Number.isInteger(start)) return refusal(400, 'logprob_start_len must be an integer');
  // SGLang's default (-1): logprobs of the last prompt token only.
  if ((start as number) < 0) start = L - 1;
  const s = start as number;
  if (s >= L) return refusal(400, `logprob_start_len (${s}) is not less than the input length (${L})`);

  const prompt = Uint32Array.from(ids as number[]);
  // At least one token is computed; with logprobs, none after logprob_start_len comes from the cache.
  const limit = returnLogprob ? Math.min(s, L - 1) : L - 1;
  const [cached, logprobs] = await Promise.all([settings.prefill(prompt, limit), settings.logprobs(prompt)]);
  const entries: string[] = [];
  if (returnLogprob) {
    for (let i = s; i < L; i++) {
      let id = prompt[i]!;
      let value = i === s ? 'null' : finite(logprobs[i]!);
      if (fault !== undefined && fault.at === i) {
        if (fault.kind === 'nan' || fault.kind === 'neg-inf') value = 'null';
        if (fault.kind === 'wrong-id') id = (id + 1) % settings.vocabSize;
      }
      entries.push(`[${value},${id},null]`);
    }
    if (fault?.kind === 'short') entries.pop();
  }
  const meta =
    `{"id":"${(++nextId).toString(16).padStart(32, '0')}","finish_reason":{"type":"length","length":0},"prompt_tokens":${L},` +
    `"weight_version":"default","completion_tokens":0,"cached_tokens":${cached},"e2e_latency":0.001` +
    (returnLogprob ? `,"input_token_logprobs":[${entries.join(',')}],"output_token_logprobs":[]` : '') +
    '}';
  return { status: 200, body: `{"text":"","meta_info":${meta}}`, promptTokens: L, cachedTokens: cached, computedTokens: L - cached };
}
