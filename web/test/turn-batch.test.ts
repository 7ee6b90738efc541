import { describe, expect, it } from 'vitest';

import { TurnBatch } from '../src/turn-batch.js';

function recordingSink(): { writes: string[]; write(text: string): void } {
  const writes: string[] = [];
  return { writes, write: (text) => writes.push(text) };
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('TurnBatch', () => {
  it('should pass the lines of one turn to every sink as one write, in order', async () => {
    const stdout = recordingSink();
    const file = recordingSink();
    const batch = new TurnBatch([stdout, file]);

    batch.write('a\n');
    batch.write('b\n');
    batch.write('c\n');
    expect(stdout.writes).toEqual([]);
    await nextTurn();

    expect(stdout.writes).toEqual(['a\nb\nc\n']);
    expect(file.writes).toEqual(['a\nb\nc\n']);
  });

  it('should write the lines of a later turn separately', async () => {
    const sink = recordingSink();
    const batch = new TurnBatch([sink]);

    batch.write('first\n');
    await nextTurn();
    batch.write('second\n');
    await nextTurn();

    expect(sink.writes).toEqual(['first\n', 'second\n']);
  });

  it('should hand over pending lines at once on flush, and not again at the end of the turn', async () => {
    const sink = recordingSink();
    const batch = new TurnBatch([sink]);

    batch.write('before a crash\n');
    batch.flush();
    expect(sink.writes).toEqual(['before a crash\n']);
    await nextTurn();

    expect(sink.writes).toEqual(['before a crash\n']);
  });
});
