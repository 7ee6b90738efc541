import { describe, expect, it } from 'vitest';

import { jsonStringBound, writeJsonString } from '../src/json-string.js';

function encode(text: string): string {
  const bytes = Buffer.from(text, 'utf8');
  const target = Buffer.alloc(jsonStringBound(bytes.length));
  const end = writeJsonString(bytes, 0, bytes.length, target, 0);
  return target.toString('utf8', 0, end);
}

describe('writeJsonString', () => {
  const samples = [
    {
      name: 'every ASCII character',
      text: String.fromCharCode(...Array.from({ length: 128 }, (_, i) => i)),
    },
    {
      name: 'a pino line',
      text: '{"level":"info","msg":"request completed","url":"/a?b=\\"c\\""}',
    },
    { name: 'multi-byte characters', text: 'naïve — 5€ 𝄞 日本語' },
    { name: 'U+2028 and U+FFFD', text: 'a\u2028b\uFFFDc' },
    { name: 'an empty line', text: '' },
  ];

  it.each(samples)('should write exactly what JSON.stringify writes for $name', ({ text }) => {
    expect(encode(text)).toBe(JSON.stringify(text));
  });
});
