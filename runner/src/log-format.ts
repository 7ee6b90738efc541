import { format } from 'node:util';

const LEVEL_COLOURS: Record<string, string> = {
  fatal: '\x1b[41m',
  error: '\x1b[31m',
  warn: '\x1b[33m',
  info: '\x1b[32m',
  debug: '\x1b[36m',
  trace: '\x1b[90m',
};
const PREFIX_COLOURS = ['\x1b[35m', '\x1b[34m', '\x1b[36m', '\x1b[33m'];
const RESET = '\x1b[0m';
const DIM = '\x1b[2m';

// Fields every line carries; printing them again on each line would only be noise.
const BASE_FIELDS = new Set([
  'level',
  'time',
  'msg',
  'service',
  'version',
  'pod',
  'pid',
  'hostname',
]);

// Wide enough for the longest container name, so that the columns line up.
const LABEL_WIDTH = 'secret-sidecar'.length + 1;

export interface LinePrinter {
  (line: string): string;
}

/**
 * Turns one output line of a child into one readable line, prefixed with its
 * container name and a marker: `|` for the container's own lines, `>` for the
 * records that the log sidecar ships. pino JSON becomes `time LEVEL message
 * key=value ...`; any other text is printed as it came.
 */
export function createLinePrinter(
  name: string,
  index: number,
  colour: boolean,
  marker: '|' | '>' = '|',
): LinePrinter {
  const label = name.padEnd(LABEL_WIDTH);
  const head = colour
    ? `${PREFIX_COLOURS[index % PREFIX_COLOURS.length]}${label}${marker}${RESET} `
    : `${label}${marker} `;

  return (line) => head + formatLine(line, colour);
}

/** A line of the runner's own, in the same columns as the containers' lines. */
export function runnerLine(text: string): string {
  return `${'runner'.padEnd(LABEL_WIDTH)}| ${text}`;
}

function formatLine(line: string, colour: boolean): string {
  const record = parseRecord(line);
  if (!record) return line;

  const time = typeof record.time === 'string' ? record.time.slice(11, 23) : '';
  const level = typeof record.level === 'string' ? record.level : 'info';
  const levelText = level.toUpperCase().padEnd(5);
  const message = typeof record.msg === 'string' ? record.msg : '';
  const fields = Object.entries(record)
    .filter(([key]) => !BASE_FIELDS.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : format('%j', value)}`)
    .join(' ');

  if (!colour) return [time, levelText, message, fields].filter(Boolean).join(' ');
  const levelColour = LEVEL_COLOURS[level] ?? '';
  return [
    `${DIM}${time}${RESET}`,
    `${levelColour}${levelText}${RESET}`,
    message,
    fields ? `${DIM}${fields}${RESET}` : '',
  ]
    .filter(Boolean)
    .join(' ');
}

function parseRecord(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
