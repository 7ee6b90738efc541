import { describe, expect, it } from 'vitest';

import {
  newSplitStats,
  splitLines,
  type LineState,
  type RecordWriter,
} from '../src/line-splitter.js';

interface Collected {
  records: { text: string; partial: boolean }[];
  cleanRuns: number;
}

function collector(): RecordWriter & Collected {
  return {
    records: [],
    cleanRuns: 0,
    cleanLines(buffer, start, end) {
      this.cleanRuns++;
      const text = buffer.toString('utf8', start, end - 1);
      for (const line of text.split('\n')) this.records.push({ text: line, partial: false });
    },
    record(text, partial) {
      this.records.push({ text: text.toString('utf8'), partial });
    },
  };
}

/** Feeds `writes` one after the other, re-reading unconsumed bytes as the tailer does. */
function feed(writes: (string | Buffer)[], maxLineBytes = 1024, final = false) {
  const writer = collector();
  const stats = newSplitStats();
  const state: LineState = { continuing: false };
  let pending = Buffer.alloc(0);

  writes.forEach((write, index) => {
    const bytes = typeof write === 'string' ? Buffer.from(write) : write;
    const buffer = Buffer.concat([pending, bytes]);
    const last = final && index === writes.length - 1;
    const options = { maxLineBytes, recordBudget: Number.MAX_SAFE_INTEGER, final: last };
    const consumed = splitLines(buffer, 0, state, options, writer, stats);
    pending = buffer.subarray(consumed);
  });
  return { records: writer.records, cleanRuns: writer.cleanRuns, stats, pending };
}

const texts = (result: { records: { text: string }[] }) => result.records.map((r) => r.text);

describe('splitLines', () => {
  it('should hand clean lines over as one run without per-line records', () => {
    const result = feed(['a\nbb\nccc\n']);

    expect(texts(result)).toEqual(['a', 'bb', 'ccc']);
    expect(result.cleanRuns).toBe(1);
  });

  it('should hold a line without LF until the LF arrives, then ship it once', () => {
    const result = feed(['hel', 'lo', '\nnext\n']);

    expect(texts(result)).toEqual(['hello', 'next']);
  });

  it('should end lines at CRLF and remove the CR', () => {
    const result = feed(['one\r\ntwo\r', '\nthree\n']);

    expect(texts(result)).toEqual(['one', 'two', 'three']);
  });

  it('should keep a CR that does not precede an LF', () => {
    expect(texts(feed(['progress 10%\rprogress 20%\n']))).toEqual(['progress 10%\rprogress 20%']);
  });

  it('should ship empty lines as empty records', () => {
    expect(texts(feed(['a\n\n\r\nb\n']))).toEqual(['a', '', '', 'b']);
  });

  it('should skip a run of NUL bytes before a line and count it', () => {
    const hole = Buffer.alloc(5000);
    const result = feed([Buffer.concat([hole, Buffer.from('after the hole\n')])]);

    expect(texts(result)).toEqual(['after the hole']);
    expect(result.stats.nulBytes).toBe(5000);
  });

  it('should skip a NUL run larger than the line limit without cutting pieces of it', () => {
    const result = feed([Buffer.alloc(10_000), 'x\n'], 1024);

    expect(texts(result)).toEqual(['x']);
    expect(result.stats.longLines).toBe(0);
    expect(result.stats.nulBytes).toBe(10_000);
  });

  it('should drop NUL bytes inside a line and drop a line of only NULs', () => {
    const bytes = Buffer.from('a\0b\n\0\0\0\nc\n');
    const result = feed([bytes]);

    expect(texts(result)).toEqual(['ab', 'c']);
    expect(result.stats.nulBytes).toBe(4);
  });

  it('should replace invalid UTF-8 with U+FFFD and count the line', () => {
    const bytes = Buffer.from([0x6f, 0x6b, 0xff, 0xfe, 0x0a, 0x6e, 0x65, 0x78, 0x74, 0x0a]);
    const result = feed([bytes]);

    expect(texts(result)).toEqual(['ok\uFFFD\uFFFD', 'next']);
    expect(result.stats.invalidUtf8Lines).toBe(1);
  });

  it('should join a multi-byte character split across two writes', () => {
    const euro = Buffer.from('price 5€\n');
    const result = feed([euro.subarray(0, 8), euro.subarray(8)]);

    expect(texts(result)).toEqual(['price 5€']);
    expect(result.stats.invalidUtf8Lines).toBe(0);
  });

  it('should cut a line longer than the limit into pieces and ship the next line whole', () => {
    const long = 'x'.repeat(2500);
    const result = feed([`${long.slice(0, 1500)}`, `${long.slice(1500)}\nnext\n`], 1024);

    expect(result.records.map((r) => r.text.length)).toEqual([1024, 1024, 452, 4]);
    expect(result.records.map((r) => r.partial)).toEqual([true, true, false, false]);
    expect(result.records.map((r) => r.text).join('')).toBe(`${long}next`);
    expect(result.stats.longLines).toBe(1);
  });

  it('should not cut a piece inside a UTF-8 character', () => {
    const long = `${'x'.repeat(1023)}€€€\n`;
    const result = feed([long], 1024);

    expect(texts(result)).toEqual(['x'.repeat(1023), '€€€']);
    expect(result.stats.invalidUtf8Lines).toBe(0);
  });

  it('should keep an unterminated line unless the input is final', () => {
    expect(texts(feed(['a\npartial']))).toEqual(['a']);

    const final = feed(['a\npartial'], 1024, true);
    expect(texts(final)).toEqual(['a', 'partial']);
    expect(final.stats.unterminatedLines).toBe(1);
  });

  it('should stop after the record budget and leave the rest unconsumed', () => {
    const writer = collector();
    const buffer = Buffer.from('1\n2\n3\n4\n');
    const options = { maxLineBytes: 1024, recordBudget: 3, final: false };
    const state = { continuing: false };

    const consumed = splitLines(buffer, 0, state, options, writer, newSplitStats());

    expect(writer.records.map((r) => r.text)).toEqual(['1', '2', '3']);
    expect(consumed).toBe(6);
  });
});
