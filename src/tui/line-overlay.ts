// Ink measures, tokenizes and re-serialises every styled character of every frame; for the
// matrix (thousands of coloured cells in a large terminal) that is nearly all of a frame's cost.
// Matrix lines skip it: Ink lays out a short stand-in per line slot, and the overlay puts the
// finished line in its place when the frame is written. A stand-in starts with U+0001, which no
// context text can carry to the screen (neutralize turns every C0 control into a picture).

const OPEN = '\u0001';
const CLOSE = '\u0002';

export class LineOverlay {
  private readonly lines = new Map<string, string>();

  /** Records the line for a slot and returns its stand-in; a slot's stand-in never changes. */
  standIn(slot: string, line: string): string {
    this.lines.set(slot, line);
    return OPEN + slot + CLOSE;
  }

  /** The frame with every stand-in line replaced by its line. */
  compose(frame: string): string {
    if (!frame.includes(OPEN)) return frame;
    return frame
      .split('\n')
      .map((line) => {
        if (!line.startsWith(OPEN)) return line;
        const end = line.indexOf(CLOSE);
        return end === -1 ? line : (this.lines.get(line.slice(OPEN.length, end)) ?? '');
      })
      .join('\n');
  }
}
