// Keys as the terminal reports them (Ink's key report), the names a key table gives them, and
// whether a report is a named key. Pure: the key table and the tests share these names.

/** The parts of Ink's key report the screen reads. */
export interface KeyPress {
  readonly upArrow: boolean;
  readonly downArrow: boolean;
  readonly leftArrow: boolean;
  readonly rightArrow: boolean;
  readonly pageUp: boolean;
  readonly pageDown: boolean;
  readonly home: boolean;
  readonly end: boolean;
  readonly return: boolean;
  readonly escape: boolean;
  readonly ctrl: boolean;
  readonly meta: boolean;
  readonly backspace: boolean;
  readonly delete: boolean;
  readonly tab: boolean;
  readonly shift?: boolean;
}

export const NO_KEY: KeyPress = {
  upArrow: false,
  downArrow: false,
  leftArrow: false,
  rightArrow: false,
  pageUp: false,
  pageDown: false,
  home: false,
  end: false,
  return: false,
  escape: false,
  ctrl: false,
  meta: false,
  backspace: false,
  delete: false,
  tab: false,
};

/** The keys that are not a character, by the flag Ink sets for each, and how help writes them. */
export const NAMED_KEYS = {
  up: ['upArrow', '↑'],
  down: ['downArrow', '↓'],
  left: ['leftArrow', '←'],
  right: ['rightArrow', '→'],
  pageup: ['pageUp', 'PgUp'],
  pagedown: ['pageDown', 'PgDn'],
  home: ['home', 'Home'],
  end: ['end', 'End'],
  enter: ['return', 'Enter'],
  escape: ['escape', 'Esc'],
} as const satisfies Record<string, readonly [keyof KeyPress, string]>;

export type NamedKey = keyof typeof NAMED_KEYS;

/**
 * A key as a table names it: a named key ('up', 'enter'), one with Shift ('shift+left'), a Ctrl
 * letter ('ctrl+c'), the space bar ('space'), or the one character it types ('j', '?').
 */
export type KeyName = NamedKey | `shift+${NamedKey}` | `ctrl+${string}` | 'space' | (string & {});

/** Whether the report is the key `name`. A named key matches with or without Shift, as before Shift meant anything. */
export function isKey(name: KeyName, input: string, key: KeyPress): boolean {
  if (name in NAMED_KEYS) return key[NAMED_KEYS[name as NamedKey][0]] === true;
  if (name.startsWith('shift+')) return key.shift === true && isKey(name.slice(6), input, key);
  if (name.startsWith('ctrl+')) return key.ctrl && input === name.slice(5);
  if (key.ctrl) return false;
  return input === (name === 'space' ? ' ' : name);
}

/** Whether a name needs a modifier: such a key is tried before the plain key it modifies. */
export function hasModifier(name: KeyName): boolean {
  return name.startsWith('shift+') || name.startsWith('ctrl+');
}

/** A character key (typed as itself), as against a named key. */
export function isCharacter(name: KeyName): boolean {
  return name.length === 1;
}

/** How help writes the key: "↑", "Ctrl-C", "Shift-←", "Space", "j". */
export function keyLabel(name: KeyName): string {
  if (name in NAMED_KEYS) return NAMED_KEYS[name as NamedKey][1];
  if (name.startsWith('shift+')) return `Shift-${keyLabel(name.slice(6))}`;
  if (name.startsWith('ctrl+')) return `Ctrl-${name.slice(5).toUpperCase()}`;
  if (name === 'space') return 'Space';
  return name;
}

/**
 * One report per key. Ink splits escape sequences, but hands a run of plain characters (keys
 * typed faster than it reads, a paste) over as one string: each character is its own key here.
 */
export function splitKeys(input: string, key: KeyPress): [string, KeyPress][] {
  const chars = [...input];
  if (chars.length <= 1) return [[input, key]];
  return chars.map((ch): [string, KeyPress] => {
    if (ch === '\r' || ch === '\n') return ['', { ...NO_KEY, return: true }];
    if (ch === '\u007f' || ch === '\b') return ['', { ...NO_KEY, backspace: true }];
    if (ch === '\t') return ['', { ...NO_KEY, tab: true }];
    if (ch === '\u001b') return ['', { ...NO_KEY, escape: true }];
    const code = ch.charCodeAt(0);
    if (code < 0x20) return [String.fromCharCode(code + 96), { ...NO_KEY, ctrl: true }];
    return [ch, NO_KEY];
  });
}
