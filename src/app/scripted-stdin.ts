// A keyboard for the screen away from a real terminal: Ink's key handler reads it as a raw TTY
// stdin. Nobody types on it (the cast export) unless keys are pressed into it (the screen bench).
import { EventEmitter } from 'node:events';

export class ScriptedStdin extends EventEmitter {
  readonly isTTY = true;
  private readonly queue: string[] = [];
  setEncoding(): void {}
  setRawMode(): void {}
  resume(): void {}
  pause(): void {}
  ref(): void {}
  unref(): void {}
  read(): string | null {
    return this.queue.shift() ?? null;
  }
  press(key: string): void {
    this.queue.push(key);
    this.emit('readable');
  }
}
