// Finished lines of the screen. Every view builds its lines as styled strings of the exact width;
// with a LineOverlay in context (the live screen), Ink lays out a stand-in per line and the
// frame's writer puts the line in its place, sparing Ink its per-character work on a full-screen
// frame. Without one (a plain Ink render), the lines are ordinary Text.
import { Box, Text } from 'ink';
import { createContext, useContext } from 'react';
import type { LineOverlay } from '../src/tui/line-overlay.ts';

export const OverlayContext = createContext<LineOverlay | undefined>(undefined);

export function Line({ text, slot }: { text: string; slot: string }) {
  const overlay = useContext(OverlayContext);
  return <Text wrap="truncate-end">{overlay ? overlay.standIn(slot, text) : text}</Text>;
}

/** `height` lines, the missing ones blank. */
export function Lines({ lines, height, slot }: { lines: readonly string[]; height: number; slot: string }) {
  const overlay = useContext(OverlayContext);
  const all = lines.length >= height ? lines.slice(0, height) : [...lines, ...Array.from({ length: height - lines.length }, () => '')];
  return (
    <Box flexDirection="column" height={height}>
      {all.map((text, i) => (
        <Text key={i} wrap="truncate-end">
          {overlay ? overlay.standIn(`${slot}.${i}`, text) : text}
        </Text>
      ))}
    </Box>
  );
}
