// Chat templates for the fake servers, written as Jinja in the shapes real models ship (each one
// written for this project from the documented shape, not copied): the server renders `messages`
// with one of them in POST /tokenize, as vLLM renders a model's tokenizer_config.json template.
//
//   chatml   every role as given, <|im_start|>role\n … <|im_end|>\n (Qwen-like)
//   llama3   <|begin_of_text|> then <|start_header_id|>role<|end_header_id|>\n\n … <|eot_id|>,
//            content trimmed
//   gemma    no system role: the system message is folded into the first user turn; the
//            assistant is named "model"; <start_of_turn>/<end_of_turn>; roles must alternate
//   mistral  [INST] … [/INST], the system message folded into the first user turn, a response is
//            " " + content + </s>; roles must alternate
//   sysmove  the Mistral shape, but the system message goes before the LAST user turn (as some
//            Mistral releases do): not prefix-stable, memscope must refuse it
//   phi3     <|role|>\n … <|end|>\n for every role, then the end-of-text token after the last
//            message when no generation prompt is asked (Phi-3-like): a constant trailing token
//   phi3vary the phi3 shape, but the end-of-text token only after an assistant's last message:
//            what it appends varies, memscope must refuse it
//
// Each template's special tokens get ids below the built-in tokenizer's reserved 16 (a server
// loads one template: templates may share ids).
import { Template } from '@huggingface/jinja';

export interface FakeChatTemplate {
  readonly source: string;
  readonly bos: string;
  readonly eos: string;
  /** Special token text -> id, for the fake's tokenizer. */
  readonly specials: Readonly<Record<string, number>>;
}

const ALTERNATE = "{{- raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') -}}";

/** Sets `lead` (the system text, or '') and `turns` (the messages after it). */
const SPLIT_SYSTEM = (suffix: string) =>
  `{%- if messages[0]['role'] == 'system' -%}{%- set lead = messages[0]['content'] + '${suffix}' -%}{%- set turns = messages[1:] -%}` +
  `{%- else -%}{%- set lead = '' -%}{%- set turns = messages -%}{%- endif -%}`;

const CHECK_ALTERNATION = `{%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) -%}${ALTERNATE}{%- endif -%}`;

/** Phi-3's turns: the role as a special token of its own, content, <|end|>. */
const PHI3_TURNS = "{%- for message in messages -%}{{- '<|' + message['role'] + '|>\\n' + message['content'] + '<|end|>\\n' -}}{%- endfor -%}";
const PHI3_SPECIALS = { '<|system|>': 7, '<|user|>': 8, '<|assistant|>': 9, '<|end|>': 10, '<|endoftext|>': 11 };

export const FAKE_CHAT_TEMPLATES: Readonly<Record<string, FakeChatTemplate>> = {
  chatml: {
    source:
      "{%- for message in messages -%}{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' -}}{%- endfor -%}" +
      "{%- if add_generation_prompt -%}{{- '<|im_start|>assistant\\n' -}}{%- endif -%}",
    bos: '',
    eos: '<|im_end|>',
    specials: { '<|im_start|>': 1, '<|im_end|>': 2 },
  },
  llama3: {
    source:
      '{{- bos_token -}}' +
      "{%- for message in messages -%}{{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + message['content'] | trim + '<|eot_id|>' -}}{%- endfor -%}" +
      "{%- if add_generation_prompt -%}{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' -}}{%- endif -%}",
    bos: '<|begin_of_text|>',
    eos: '<|eot_id|>',
    specials: { '<|begin_of_text|>': 3, '<|start_header_id|>': 4, '<|end_header_id|>': 5, '<|eot_id|>': 6 },
  },
  gemma: {
    source:
      '{{- bos_token -}}' +
      SPLIT_SYSTEM('\\n\\n') +
      '{%- for message in turns -%}' +
      CHECK_ALTERNATION +
      "{%- if message['role'] == 'assistant' -%}{%- set role = 'model' -%}{%- else -%}{%- set role = message['role'] -%}{%- endif -%}" +
      "{{- '<start_of_turn>' + role + '\\n' + (lead if loop.first else '') + message['content'] | trim + '<end_of_turn>\\n' -}}" +
      '{%- endfor -%}' +
      "{%- if add_generation_prompt -%}{{- '<start_of_turn>model\\n' -}}{%- endif -%}",
    bos: '<bos>',
    eos: '<eos>',
    specials: { '<bos>': 7, '<start_of_turn>': 8, '<end_of_turn>': 9, '<eos>': 10 },
  },
  mistral: {
    source:
      '{{- bos_token -}}' +
      SPLIT_SYSTEM('\\n\\n') +
      '{%- for message in turns -%}' +
      CHECK_ALTERNATION +
      "{%- if message['role'] == 'user' -%}{{- '[INST] ' + (lead if loop.first else '') + message['content'] + ' [/INST]' -}}" +
      "{%- else -%}{{- ' ' + message['content'] + eos_token -}}{%- endif -%}" +
      '{%- endfor -%}',
    bos: '<s>',
    eos: '</s>',
    specials: { '<s>': 11, '</s>': 12, '[INST]': 13, '[/INST]': 14 },
  },
  sysmove: {
    source:
      '{{- bos_token -}}' +
      SPLIT_SYSTEM('\\n\\n') +
      "{%- set last = namespace(user=-1) -%}{%- for message in turns -%}{%- if message['role'] == 'user' -%}{%- set last.user = loop.index0 -%}{%- endif -%}{%- endfor -%}" +
      '{%- for message in turns -%}' +
      "{%- if message['role'] == 'user' -%}{{- '[INST] ' + (lead if loop.index0 == last.user else '') + message['content'] + ' [/INST]' -}}" +
      "{%- else -%}{{- ' ' + message['content'] + eos_token -}}{%- endif -%}" +
      '{%- endfor -%}',
    bos: '<s>',
    eos: '</s>',
    specials: { '<s>': 11, '</s>': 12, '[INST]': 13, '[/INST]': 14 },
  },
  phi3: {
    source: PHI3_TURNS + "{%- if add_generation_prompt -%}{{- '<|assistant|>\\n' -}}{%- else -%}{{- eos_token -}}{%- endif -%}",
    bos: '',
    eos: '<|endoftext|>',
    specials: PHI3_SPECIALS,
  },
  phi3vary: {
    source: PHI3_TURNS + "{%- if add_generation_prompt -%}{{- '<|assistant|>\\n' -}}{%- elif messages[messages|length - 1]['role'] == 'assistant' -%}{{- eos_token -}}{%- endif -%}",
    bos: '',
    eos: '<|endoftext|>',
    specials: PHI3_SPECIALS,
  },
};

export function fakeChatTemplate(name: string): FakeChatTemplate {
  const template = FAKE_CHAT_TEMPLATES[name];
  if (template === undefined) throw new Error(`unknown chat template "${name}" (${Object.keys(FAKE_CHAT_TEMPLATES).join(', ')})`);
  return template;
}

/** The text the template renders for `messages`, as transformers' apply_chat_template does. */
export function renderFakeChat(template: FakeChatTemplate, messages: unknown, addGenerationPrompt: boolean): string {
  return new Template(template.source).render({ messages, bos_token: template.bos, eos_token: template.eos, add_generation_prompt: addGenerationPrompt });
}

/** A tokenizer_config.json as a Hugging Face model ships it, for --template FILE tests. */
export function tokenizerConfig(template: FakeChatTemplate): string {
  return JSON.stringify({ bos_token: template.bos === '' ? null : template.bos, eos_token: { content: template.eos, lstrip: false, rstrip: false, normalized: false, special: true }, chat_template: template.source }, null, 2);
}
