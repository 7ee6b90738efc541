/** One Redis command from a `.redis` seed file: its arguments as raw bytes. */
export interface SeedCommand {
  /** 1-based line number in its file. */
  line: number;
  args: Buffer[];
}

/** A line that redis-cli would refuse. Names the place, never the line's content. */
export class CommandParseError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly problem: string,
  ) {
    super(`${file}, line ${line}: ${problem}`);
    this.name = 'CommandParseError';
  }
}

// These would break the one MULTI/EXEC that applies a seed, or the seeder's connection.
const FORBIDDEN = new Set([
  'auth',
  'discard',
  'exec',
  'hello',
  'monitor',
  'multi',
  'psubscribe',
  'psync',
  'punsubscribe',
  'quit',
  'reset',
  'select',
  'shutdown',
  'ssubscribe',
  'subscribe',
  'sunsubscribe',
  'swapdb',
  'sync',
  'unsubscribe',
  'unwatch',
  'watch',
]);

const NEWLINE = 0x0a;

/**
 * Splits a seed file into commands the way `redis-cli < file` reads it: one command a
 * line, blank lines skipped, each line split by sdssplitargs (a `\r` before the
 * newline counts as a blank, so CRLF files work). Stricter than redis-cli in one
 * way: a bad line is an error rather than skipped, so a seed is applied whole or not.
 */
export function parseCommandFile(file: string, content: Buffer): SeedCommand[] {
  const commands: SeedCommand[] = [];
  let start = 0;
  let line = 1;

  while (start <= content.length) {
    const end = indexOrEnd(content, NEWLINE, start);
    const args = splitArgs(content.subarray(start, end), (problem) => {
      throw new CommandParseError(file, line, problem);
    });

    if (args.length > 0) {
      const name = args[0]!.toString('latin1').toLowerCase();
      if (FORBIDDEN.has(name)) {
        throw new CommandParseError(file, line, `${name.toUpperCase()} is not allowed in a seed`);
      }
      commands.push({ line, args });
    }
    start = end + 1;
    line += 1;
  }
  return commands;
}

/**
 * sdssplitargs from Redis's sds.c, on bytes. Outside quotes, space, tab, CR and LF
 * end an argument and quotes may start mid-argument (`a"b c"` is `ab c`). In double
 * quotes: \n \r \t \b \a, \xHH, and a backslash before any other character stands
 * for that character. In single quotes only \' is an escape. A closing quote must
 * be followed by a blank or the end of the line; an unclosed quote is an error.
 */
export function splitArgs(line: Buffer, fail: (problem: string) => never): Buffer[] {
  if (line.includes(0)) fail('a NUL byte is not allowed');

  const args: Buffer[] = [];
  let i = 0;

  for (;;) {
    while (i < line.length && isSpace(line[i]!)) i += 1;
    if (i >= line.length) return args;

    const bytes: number[] = [];
    let quote: 'none' | 'double' | 'single' = 'none';
    let done = false;

    while (!done) {
      const c = line[i];

      if (quote === 'double') {
        if (c === undefined) fail('unbalanced double quote');
        if (c === BACKSLASH && line[i + 1] === X && isHex(line[i + 2]) && isHex(line[i + 3])) {
          bytes.push(Number.parseInt(line.toString('latin1', i + 2, i + 4), 16));
          i += 3;
        } else if (c === BACKSLASH && i + 1 < line.length) {
          i += 1;
          bytes.push(ESCAPES[line[i]!] ?? line[i]!);
        } else if (c === DOUBLE_QUOTE) {
          if (i + 1 < line.length && !isSpace(line[i + 1]!)) {
            fail('a closing double quote must be followed by a space');
          }
          done = true;
        } else {
          bytes.push(c!);
        }
      } else if (quote === 'single') {
        if (c === undefined) fail('unbalanced single quote');
        if (c === BACKSLASH && line[i + 1] === SINGLE_QUOTE) {
          i += 1;
          bytes.push(SINGLE_QUOTE);
        } else if (c === SINGLE_QUOTE) {
          if (i + 1 < line.length && !isSpace(line[i + 1]!)) {
            fail('a closing single quote must be followed by a space');
          }
          done = true;
        } else {
          bytes.push(c!);
        }
      } else if (c === undefined || c === SPACE || c === TAB || c === CR || c === NEWLINE) {
        done = true;
      } else if (c === DOUBLE_QUOTE) {
        quote = 'double';
      } else if (c === SINGLE_QUOTE) {
        quote = 'single';
      } else {
        bytes.push(c);
      }
      if (i < line.length) i += 1;
    }
    args.push(Buffer.from(bytes));
  }
}

const SPACE = 0x20;
const TAB = 0x09;
const CR = 0x0d;
const BACKSLASH = 0x5c;
const DOUBLE_QUOTE = 0x22;
const SINGLE_QUOTE = 0x27;
const X = 0x78;

const ESCAPES: Record<number, number> = {
  0x6e: 0x0a, // \n
  0x72: 0x0d, // \r
  0x74: 0x09, // \t
  0x62: 0x08, // \b
  0x61: 0x07, // \a
};

/** C isspace(): what sdssplitargs skips between arguments and accepts after a quote. */
function isSpace(c: number): boolean {
  return c === SPACE || (c >= 0x09 && c <= 0x0d);
}

function isHex(c: number | undefined): boolean {
  return c !== undefined && /[0-9a-fA-F]/.test(String.fromCharCode(c));
}

function indexOrEnd(buffer: Buffer, byte: number, from: number): number {
  const index = buffer.indexOf(byte, from);
  return index === -1 ? buffer.length : index;
}
