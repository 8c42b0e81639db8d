// Draws Ink's frames on the alternate screen by absolute position, rewriting only the lines that
// changed, inside a synchronized update: no flicker, and a cursor that is never lost. Ink renders
// in debug mode into a FrameStdout, which hands each whole frame here.
//
// Why not Ink's own writer: a frame as tall as the terminal makes Ink clear the screen before
// every frame, and its line-diffing mode puts frames with a trailing newline one line low.
import { EventEmitter } from 'node:events';
import type { LineOverlay } from './line-overlay.ts';

const BEGIN_SYNC = '\u001b[?2026h';
const END_SYNC = '\u001b[?2026l';
const CLEAR_SCREEN = '\u001b[2J';
const ERASE_LINE_END = '\u001b[K';
const RESET = '\u001b[0m';

/** Wide enough for any stand-in ("\u0001finetune.123\u0002" takes 12 columns). */
export const CANVAS_COLUMNS = 24;

function moveTo(row: number): string {
  return `\u001b[${row + 1};1H`;
}

export interface Sink {
  write(data: string): unknown;
}

export class FrameWriter {
  private lines: string[] = [];
  private dirty = true;
  private held = false;

  constructor(
    private readonly out: Sink,
    private readonly rows: () => number,
  ) {}

  /** The next frame repaints every line (after a resize, or when the screen was disturbed). */
  invalidate(): void {
    this.dirty = true;
  }

  /**
   * Frames are dropped until `release` (Ctrl-Z: the terminal is the shell's). A frame drawn while
   * suspended, or in the moment after `fg` before the screen is back, would land on the main screen.
   */
  hold(): void {
    this.held = true;
  }

  /** Frames are drawn again, the next one whole. */
  release(): void {
    this.held = false;
    this.dirty = true;
  }

  frame(text: string): void {
    if (this.held) return;
    const next = text.split('\n').slice(0, Math.max(1, this.rows()));
    let data = '';
    if (this.dirty) data += CLEAR_SCREEN;
    for (let i = 0; i < next.length; i++) {
      if (!this.dirty && next[i] === this.lines[i]) continue;
      data += moveTo(i) + next[i] + RESET + ERASE_LINE_END;
    }
    for (let i = next.length; i < this.lines.length && !this.dirty; i++) data += moveTo(i) + ERASE_LINE_END;
    this.lines = next;
    this.dirty = false;
    if (data === '') return;
    this.out.write(BEGIN_SYNC + data + END_SYNC);
  }
}

/** What Ink takes for stdout: the terminal's size and resizes, frames (overlay lines composed in) going to a FrameWriter. */
export class FrameStdout extends EventEmitter {
  readonly isTTY = true;
  private readonly onResize = () => {
    this.writer.invalidate();
    this.emit('resize');
  };

  /**
   * With an overlay, Ink only lays out stand-ins, so it gets a narrow canvas (its frame costs
   * grow with the canvas area); the app takes the terminal's real size from its props.
   */
  constructor(
    private readonly terminal: NodeJS.WriteStream,
    private readonly writer: FrameWriter,
    private readonly overlay?: LineOverlay,
  ) {
    super();
    terminal.on('resize', this.onResize);
  }

  get columns(): number {
    return this.overlay ? CANVAS_COLUMNS : this.terminal.columns || 80;
  }

  get rows(): number {
    return this.terminal.rows || 24;
  }

  write = (frame: string): boolean => {
    this.writer.frame(this.overlay ? this.overlay.compose(frame) : frame);
    return true;
  };

  close(): void {
    this.terminal.off('resize', this.onResize);
  }
}
