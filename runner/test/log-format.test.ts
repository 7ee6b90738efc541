import { describe, expect, it } from 'vitest';

import { createLinePrinter, runnerLine } from '../src/log-format.js';

describe('runner line printer', () => {
  const plain = createLinePrinter('web', 0, false);

  it.each([
    [
      'a pino line',
      '{"level":"info","time":"2026-01-01T10:20:30.456Z","service":"web","pid":1,' +
        '"msg":"request completed","status":200}',
      'web            | 10:20:30.456 INFO  request completed status=200',
    ],
    ['a line that is not JSON', 'plain text', 'web            | plain text'],
    ['a JSON array', '[1,2]', 'web            | [1,2]'],
    ['broken JSON', '{"level":', 'web            | {"level":'],
  ])('should print %s readably', (_case, line, expected) => {
    expect(plain(line)).toBe(expected);
  });

  it('should mark shipped records with > and the runner its own lines with |', () => {
    expect(createLinePrinter('log-sidecar', 1, false, '>')('x')).toBe('log-sidecar    > x');
    expect(runnerLine('ready')).toBe('runner         | ready');
  });

  it('should colour the level only when asked to', () => {
    const line = '{"level":"error","time":"2026-01-01T10:20:30.456Z","msg":"boom"}';

    expect(createLinePrinter('web', 0, true)(line)).toContain('\x1b[31mERROR');
    expect(plain(line)).not.toContain('\x1b[');
  });
});
