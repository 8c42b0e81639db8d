// The logs agents keep of what they sent a model, read into one list of messages: an OpenAI chat
// messages log (a list, or an object with `messages`), or an OTLP/JSON trace whose GenAI spans
// carry the messages (gen_ai.system_instructions, gen_ai.input.messages, gen_ai.output.messages,
// per the OpenTelemetry GenAI semantic conventions; one LLM call: the last, or the span named).
// Every message keeps the JSON path it came from, so that a problem found later names its place.
import { z } from 'zod';
import type { ToolCall } from './chat-format.ts';
import { InputError } from '../core/errors.ts';
import { jsonPath, parseJsonWithPlace } from '../core/json-path.ts';
import { zodProblem } from './load-context.ts';

export const LOG_ROLES = ['system', 'developer', 'user', 'assistant', 'tool'] as const;

/** One message as the model was sent it: its text in parts, as the log split it. */
export interface LogMessage {
  readonly role: 'system' | 'user' | 'assistant' | 'tool';
  /** The text parts, end to end (a string content is one part). */
  readonly parts: string[];
  /** Whether the log gave the content as a list of parts (kept as a list in the chat file). */
  readonly listed: boolean;
  readonly name?: string | undefined;
  readonly toolCalls?: ToolCall[] | undefined;
  readonly toolCallId?: string | undefined;
  /** Where it sits in the log, e.g. $.messages[3]. */
  readonly path: readonly PropertyKey[];
}

export interface AgentLog {
  readonly kind: 'openai' | 'otel';
  readonly model: string | null;
  readonly messages: LogMessage[];
  /** What the log holds that the scored prompt will not (said, not refused), e.g. tool definitions. */
  readonly notes: string[];
}

/**
 * What stands between a message's text parts in the prompt: the server joins them before the
 * template sees the message. vLLM joins them with a line break for the chat templates that take
 * a message's content as a string (most text models'); memscope renders as vLLM does, and writes
 * the line break into the chat file as a part of its own, where a user can see and change it.
 */
export const PART_SEPARATOR = '\n';

/** A message's text parts as the prompt holds them: PART_SEPARATOR between each two. */
function separated(texts: readonly string[]): string[] {
  return texts.flatMap((text, i) => (i === 0 ? [text] : [PART_SEPARATOR, text]));
}

/** A part that is not text: the prompt had it, a text scorer cannot; refused, naming its place. */
function notText(file: string, place: readonly PropertyKey[], type: string, can: string): InputError {
  return new InputError(
    `${file}: ${jsonPath(place)}: a "${type}" part cannot be scored: memscope scores the text a model was sent, and leaving it out would score a prompt the agent never sent (${can})`,
  );
}

// ── OpenAI chat messages ─────────────────────────────────────────
// Any typed part: text parts are read, the others (image_url, input_audio, file, …) refused by name.
const OpenAIPart = z.looseObject({ type: z.string() });
const OpenAIToolCall = z.object({
  id: z.string(),
  type: z.literal('function').optional(),
  function: z.object({ name: z.string().min(1), arguments: z.string() }),
});
const OpenAIMessage = z.object({
  role: z.enum(LOG_ROLES),
  content: z.union([z.string(), z.array(OpenAIPart), z.null()]).optional(),
  function_call: z.unknown().optional(),
  name: z.string().optional(),
  tool_calls: z.array(OpenAIToolCall).optional(),
  tool_call_id: z.string().optional(),
});
const OpenAILog = z.union([z.array(OpenAIMessage), z.object({ model: z.string().optional(), messages: z.array(OpenAIMessage), tools: z.array(z.unknown()).optional() })]);

/** A message's content as text parts; a part of another kind is refused. */
function openAIParts(file: string, content: z.infer<typeof OpenAIMessage>['content'], place: readonly PropertyKey[]): string[] {
  if (content === undefined || content === null) return [];
  if (typeof content === 'string') return [content];
  return separated(
    content.map((part, p) => {
      const text = (part as Record<string, unknown>).text;
      if (part.type === 'text' && typeof text === 'string') return text;
      throw notText(file, [...place, 'content', p], part.type, 'text parts can');
    }),
  );
}

/** The legacy function-calling form, refused: no template renders it as tool calls are, so the prompt cannot be rebuilt. */
function legacyFunction(file: string, place: readonly PropertyKey[], what: string): InputError {
  return new InputError(`${file}: ${jsonPath(place)}: ${what} (the legacy function-calling form) is not read: chat templates render tool calls, not it, so the prompt the model was sent cannot be rebuilt; write it as the assistant's tool_calls and a tool message answering it to score it`);
}

function fromOpenAI(file: string, data: unknown): AgentLog {
  // A "function" message (the legacy answer to a function_call) is refused with its reason, not as an unknown role.
  const raw: unknown = Array.isArray(data) ? data : (data as { messages?: unknown }).messages;
  if (Array.isArray(raw)) {
    const at = raw.findIndex((m) => typeof m === 'object' && m !== null && (m as { role?: unknown }).role === 'function');
    if (at !== -1) throw legacyFunction(file, [...(Array.isArray(data) ? [] : ['messages']), at, 'role'], 'a "function" message');
  }
  const parsed = OpenAILog.safeParse(data);
  if (!parsed.success) throw zodProblem(file, parsed.error, data);
  const listed = Array.isArray(parsed.data);
  const request = listed ? undefined : (parsed.data as { model?: string; messages: z.infer<typeof OpenAIMessage>[]; tools?: unknown[] });
  const messages = request?.messages ?? (parsed.data as z.infer<typeof OpenAIMessage>[]);
  const notes: string[] = [];
  // Tool definitions are not messages: a model's template writes them into its system prompt, the
  // built-in templates do not; refusing would refuse most agent logs, so the gap is said instead.
  if (request?.tools !== undefined && request.tools.length > 0) {
    notes.push(`${file}: $.tools: ${request.tools.length === 1 ? 'the tool definition is' : `the ${request.tools.length} tool definitions are`} not in the scored prompt: the built-in templates do not render tools, where the model's own template puts them in its system prompt`);
  }
  return {
    kind: 'openai',
    model: request?.model ?? null,
    notes,
    messages: messages.map((m, i) => {
      const path = listed ? [i] : ['messages', i];
      if (m.function_call !== undefined) throw legacyFunction(file, [...path, 'function_call'], 'a function_call');
      return {
        role: m.role === 'developer' ? 'system' : m.role,
        parts: openAIParts(file, m.content, path),
        listed: Array.isArray(m.content),
        name: m.name,
        toolCalls: m.tool_calls?.map((c) => ({ id: c.id, type: 'function' as const, function: { name: c.function.name, arguments: c.function.arguments } })),
        toolCallId: m.tool_call_id,
        path,
      };
    }),
  };
}

// ── OTLP/JSON traces with GenAI spans ────────────────────────────
/** An OTLP AnyValue as plain JSON. */
function anyValue(value: Record<string, unknown> | undefined): unknown {
  if (value === undefined) return undefined;
  if ('stringValue' in value) return value.stringValue;
  if ('intValue' in value) return Number(value.intValue);
  if ('doubleValue' in value) return value.doubleValue;
  if ('boolValue' in value) return value.boolValue;
  if ('arrayValue' in value) return ((value.arrayValue as { values?: Record<string, unknown>[] }).values ?? []).map(anyValue);
  if ('kvlistValue' in value) return Object.fromEntries(((value.kvlistValue as { values?: { key: string; value: Record<string, unknown> }[] }).values ?? []).map((kv) => [kv.key, anyValue(kv.value)]));
  return undefined;
}

/** A field that should be a string or a number, as text ('' when it is neither). */
function scalar(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint' ? String(value) : '';
}

interface OtelSpan {
  readonly spanId: string;
  readonly end: bigint;
  readonly attributes: ReadonlyMap<string, { value: unknown; index: number }>;
  readonly path: PropertyKey[];
}

function otelSpans(data: Record<string, unknown>): OtelSpan[] {
  const spans: OtelSpan[] = [];
  const list = (value: unknown): Record<string, unknown>[] => (Array.isArray(value) ? (value as Record<string, unknown>[]) : []);
  list(data.resourceSpans).forEach((resource, r) =>
    list(resource.scopeSpans).forEach((scope, s) =>
      list(scope.spans).forEach((span, k) => {
        const attributes = new Map<string, { value: unknown; index: number }>();
        list(span.attributes).forEach((attribute, index) => attributes.set(String(attribute.key), { value: anyValue(attribute.value as Record<string, unknown>), index }));
        let end = 0n;
        try {
          end = BigInt(scalar(span.endTimeUnixNano ?? span.startTimeUnixNano) || 0);
        } catch {
          // A malformed time sorts first.
        }
        spans.push({ spanId: scalar(span.spanId), end, attributes, path: ['resourceSpans', r, 'scopeSpans', s, 'spans', k] });
      }),
    ),
  );
  return spans;
}

const OtelPart = z.looseObject({ type: z.string() });
const OtelMessage = z.looseObject({ role: z.enum(LOG_ROLES), parts: z.array(OtelPart), name: z.string().nullable().optional() });

/** A GenAI attribute: structured, or (as most exporters write it) a JSON string. */
function attributeJson(file: string, span: OtelSpan, key: string): { value: unknown; path: PropertyKey[] } | undefined {
  const found = span.attributes.get(key);
  if (found === undefined) return undefined;
  const path = [...span.path, 'attributes', found.index, 'value'];
  if (typeof found.value !== 'string') return { value: found.value, path };
  try {
    return { value: parseJsonWithPlace(found.value), path: [...path, 'stringValue'] };
  } catch (error) {
    throw new InputError(`${file}: ${jsonPath(path)}: ${key} is not JSON (${(error as Error).message})`);
  }
}

function otelMessages(file: string, raw: { value: unknown; path: PropertyKey[] }, out: LogMessage[]): void {
  const parsed = z.array(OtelMessage).safeParse(raw.value);
  if (!parsed.success) throw zodProblem(file, parsed.error, raw.value, raw.path);
  parsed.data.forEach((message, i) => {
    const path = [...raw.path, i];
    const texts: string[] = [];
    const calls: ToolCall[] = [];
    let callId: string | undefined;
    message.parts.forEach((part, p) => {
      const record = part as Record<string, unknown>;
      if (part.type === 'text' && typeof record.content === 'string') texts.push(record.content);
      else if (part.type === 'tool_call') {
        const args = record.arguments;
        calls.push({ id: scalar(record.id), type: 'function', function: { name: scalar(record.name), arguments: typeof args === 'string' ? args : JSON.stringify(args ?? {}) } });
      } else if (part.type === 'tool_call_response') {
        callId = scalar(record.id) || undefined;
        const response = record.response;
        texts.push(typeof response === 'string' ? response : JSON.stringify(response));
      } else throw notText(file, [...path, 'parts', p], part.type, 'text, tool_call and tool_call_response parts can');
    });
    out.push({
      role: message.role === 'developer' ? 'system' : message.role,
      parts: separated(texts),
      listed: texts.length > 1,
      name: message.name ?? undefined,
      toolCalls: calls.length > 0 ? calls : undefined,
      toolCallId: callId,
      path,
    });
  });
}

function fromOtel(file: string, data: Record<string, unknown>, spanId: string | undefined): AgentLog {
  const calls = otelSpans(data).filter((span) => span.attributes.has('gen_ai.input.messages'));
  if (calls.length === 0) throw new InputError(`${file}: $.resourceSpans: no span carries gen_ai.input.messages (an LLM call with its messages recorded)`);
  let span: OtelSpan;
  if (spanId !== undefined) {
    const found = calls.find((s) => s.spanId === spanId);
    if (found === undefined) throw new InputError(`--span ${spanId}: no LLM call span with that id in ${file} (there are ${calls.map((s) => s.spanId).join(', ')})`);
    span = found;
  } else {
    // The last call to end; a tie keeps the one written last.
    span = calls.reduce((last, s) => (s.end >= last.end ? s : last));
  }
  const messages: LogMessage[] = [];
  const system = attributeJson(file, span, 'gen_ai.system_instructions');
  if (system !== undefined) {
    const parts = z.array(OtelPart).safeParse(system.value);
    if (!parts.success) throw new InputError(`${file}: ${jsonPath(system.path)}: gen_ai.system_instructions is not a list of parts`);
    const texts = parts.data.map((p, k) => {
      const content = (p as Record<string, unknown>).content;
      if (p.type === 'text' && typeof content === 'string') return content;
      throw notText(file, [...system.path, k], p.type, 'text parts can');
    });
    messages.push({ role: 'system', parts: separated(texts), listed: texts.length > 1, path: system.path });
  }
  otelMessages(file, attributeJson(file, span, 'gen_ai.input.messages')!, messages);
  const output = attributeJson(file, span, 'gen_ai.output.messages');
  if (output !== undefined) otelMessages(file, output, messages);
  const model = span.attributes.get('gen_ai.request.model')?.value ?? span.attributes.get('gen_ai.response.model')?.value;
  const tools = span.attributes.get('gen_ai.tool.definitions');
  const notes = tools === undefined ? [] : [`${file}: ${jsonPath([...span.path, 'attributes', tools.index])}: gen_ai.tool.definitions are not in the scored prompt: the built-in templates do not render tools, where the model's own template puts them in its system prompt`];
  return { kind: 'otel', model: typeof model === 'string' ? model : null, messages, notes };
}

/** Reads an agent's log: an OpenAI messages log or an OTLP/JSON trace (told apart by resourceSpans). */
export function readAgentLog(file: string, text: string, spanId?: string): AgentLog {
  let data: unknown;
  try {
    data = parseJsonWithPlace(text);
  } catch (error) {
    throw new InputError(`${file}: ${(error as Error).message}`);
  }
  if (typeof data === 'object' && data !== null && !Array.isArray(data) && 'resourceSpans' in data) return fromOtel(file, data, spanId);
  if (spanId !== undefined) throw new InputError(`--span goes with an OTLP trace file; ${file} is an OpenAI messages log`);
  if (typeof data !== 'object' || data === null || (!Array.isArray(data) && !('messages' in data))) {
    throw new InputError(`${file}: $: not an agent log: expected a list of OpenAI chat messages, an object with "messages", or an OTLP trace ("resourceSpans")`);
  }
  return fromOpenAI(file, data);
}
