import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startRedis, type TestRedis } from '../../test-support/redis.js';
import { CommandParseError, parseCommandFile, splitArgs } from '../src/command-parser.js';

function split(line: string | Buffer): string[] {
  const bytes = typeof line === 'string' ? Buffer.from(line, 'utf8') : line;
  return splitArgs(bytes, (problem) => {
    throw new Error(problem);
  }).map((arg) => arg.toString('utf8'));
}

// [line, arguments] pairs whose expected values follow Redis's sdssplitargs.
const VALID: Array<[string, string[]]> = [
  ['SET k v', ['SET', 'k', 'v']],
  ['  SET   k\tv  ', ['SET', 'k', 'v']],
  ['SET k "with space"', ['SET', 'k', 'with space']],
  ['SET k "a\\"b"', ['SET', 'k', 'a"b']],
  ['SET k "back\\\\slash"', ['SET', 'k', 'back\\slash']],
  ['SET k "\\n\\r\\t\\b\\a"', ['SET', 'k', '\n\r\t\b\x07']],
  ['SET k "\\x41\\x7a"', ['SET', 'k', 'Az']],
  ['SET k "\\xZZ"', ['SET', 'k', 'xZZ']],
  ['SET k "\\q"', ['SET', 'k', 'q']],
  ['SET k \'single "quoted"\'', ['SET', 'k', 'single "quoted"']],
  ["SET k 'it\\'s'", ['SET', 'k', "it's"]],
  ["SET k 'no \\n escape'", ['SET', 'k', 'no \\n escape']],
  ['SET k ""', ['SET', 'k', '']],
  ['SET k pre"mid dle"', ['SET', 'k', 'premid dle']],
  ['SET k $HOME&*#', ['SET', 'k', '$HOME&*#']],
  ['SET k -leading', ['SET', 'k', '-leading']],
  ['SET k "grüße ✓"', ['SET', 'k', 'grüße ✓']],
  ['SET k v\r', ['SET', 'k', 'v']],
  ['SET k "v"\r', ['SET', 'k', 'v']],
  ['', []],
  ['   \t ', []],
];

const INVALID: Array<[string, string]> = [
  ['SET k "open', 'unbalanced double quote'],
  ["SET k 'open", 'unbalanced single quote'],
  ['SET k "a"b', 'closing double quote'],
  ["SET k 'a'b", 'closing single quote'],
  ['SET k "ends with backslash\\', 'unbalanced double quote'],
];

describe('splitArgs', () => {
  it.each(VALID)('should split %j like redis-cli', (line, expected) => {
    expect(split(line)).toEqual(expected);
  });

  it.each(INVALID)('should refuse %j: %s', (line, problem) => {
    expect(() => split(line)).toThrow(problem);
  });

  it('should keep raw bytes that are not UTF-8', () => {
    const args = splitArgs(Buffer.from([0x53, 0x20, 0xff, 0xfe]), () => {
      throw new Error('refused');
    });
    expect(args[1]).toEqual(Buffer.from([0xff, 0xfe]));
  });

  it('should turn \\x00 in double quotes into a NUL byte', () => {
    const args = splitArgs(Buffer.from('SET k "a\\x00b"'), () => {
      throw new Error('refused');
    });
    expect(args[2]).toEqual(Buffer.from([0x61, 0x00, 0x62]));
  });
});

describe('parseCommandFile', () => {
  it('should number commands by line and skip blank lines, with LF or CRLF endings', () => {
    const content = Buffer.from('SET a 1\r\n\r\n  \nSET b "2"\r\nDEL c');
    const commands = parseCommandFile('/s/seed.redis', content);

    expect(commands.map((command) => command.line)).toEqual([1, 4, 5]);
    expect(commands[1]!.args.map(String)).toEqual(['SET', 'b', '2']);
  });

  it('should name the file and line of a bad line without its content', () => {
    const content = Buffer.from('SET a 1\nSET b "top-secret-value\n');
    const parse = () => parseCommandFile('/s/seed.redis', content);

    expect(parse).toThrow(CommandParseError);
    expect(parse).toThrow('/s/seed.redis, line 2: unbalanced double quote');
    expect(parse).not.toThrow(/top-secret-value/);
  });

  it.each(['MULTI', 'exec', 'Select 1', 'SUBSCRIBE ch', 'AUTH x', 'SHUTDOWN'])(
    'should refuse %s, which would break the seed transaction',
    (line) => {
      expect(() => parseCommandFile('f.redis', Buffer.from(line))).toThrow('not allowed in a seed');
    },
  );
});

describe('splitArgs against redis-cli', () => {
  let redis: TestRedis;
  let dir: string;

  beforeAll(async () => {
    redis = await startRedis();
    dir = await mkdtemp(join(tmpdir(), 'command-parser-'));
  });

  afterAll(async () => {
    await redis?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('should read every valid value exactly as `redis-cli < file` stores it', async () => {
    const values = VALID.filter(([, args]) => args.length === 3);
    const lines = values.map(([line], index) => line.replace(/^(\s*SET\s+)k/, `$1k${index}`));
    const path = join(dir, 'seed.redis');
    await writeFile(path, `${lines.join('\n')}\n`);

    const cli = spawnSync('redis-cli', ['-h', redis.host, '-p', String(redis.port)], {
      input: await readFile(path),
    });
    expect(cli.status).toBe(0);

    const client = new Redis({ host: redis.host, port: redis.port, lazyConnect: true });
    try {
      await client.connect();
      for (const [index, [line]] of values.entries()) {
        const stored = await client.getBuffer(`k${index}`);
        const parsed = splitArgs(Buffer.from(line), () => {
          throw new Error('refused');
        });
        expect(stored, line).toEqual(parsed[2]);
      }
    } finally {
      client.disconnect();
    }
  });
  it('should refuse the lines that redis-cli refuses too', async () => {
    const lines = INVALID.map(([line], index) => line.replace(/^SET k/, `SET bad${index}`));
    const cli = spawnSync('redis-cli', ['-h', redis.host, '-p', String(redis.port)], {
      input: `${lines.join('\n')}\n`,
    });
    expect(cli.stdout.toString()).toContain('Invalid argument(s)');

    const client = new Redis({ host: redis.host, port: redis.port, lazyConnect: true });
    try {
      await client.connect();
      const stored = await client.exists(...INVALID.map((_, index) => `bad${index}`));
      expect(stored).toBe(0);
    } finally {
      client.disconnect();
    }
  });
});
