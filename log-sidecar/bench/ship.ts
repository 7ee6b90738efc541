/**
 * Throughput and peak memory of log-sidecar against `cat` and `tail -n +1` on the same file,
 * in the same run. Every shipper run starts with an empty STATE_DIR and ONCE=true: it reads
 * the file to its end, ships every line, saves its checkpoint and exits, so the time measured
 * is the whole job (start-up included), not a sample of it. Each case runs BENCH_RUNS times and
 * the median is shown: on a shared machine the best run flatters and the worst is noise.
 *
 *   npm run bench:ship --workspace log-sidecar          (needs `npm run build` first)
 *   BENCH_LINES=200000 BENCH_RUNS=1 npm run bench:ship --workspace log-sidecar
 *   BENCH_MAIN=/path/to/other/log-sidecar/dist/main.js  (measure another build the same way)
 */
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const LINES = Number(process.env.BENCH_LINES ?? 1_000_000);
const LINE_BYTES = 200;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
/** Rate of the deliberately slow consumers, to show memory stays bounded under backpressure. */
const SLOW_BYTES_PER_SECOND = Number(process.env.BENCH_SLOW_MBPS ?? 40) * 1024 * 1024;
const HTTP_DELAY_MS = Number(process.env.BENCH_HTTP_DELAY_MS ?? 20);

const MAIN =
  process.env.BENCH_MAIN ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'main.js');
const GNU_TIME = '/usr/bin/time';
const MIB = 1024 * 1024;

interface Measurement {
  seconds: number;
  peakRssKiB: number | undefined;
  delivered?: number;
}

interface Row extends Measurement {
  name: string;
}

/** Lines of exactly LINE_BYTES bytes (LF included) that look like an access log. */
async function writeLogFile(path: string): Promise<void> {
  const out = createWriteStream(path);
  const methods = ['GET', 'POST', 'PUT', 'DELETE'];
  let chunk = '';
  for (let i = 0; i < LINES; i++) {
    const head =
      `2024-05-01T12:00:${String(i % 60).padStart(2, '0')}.000Z INFO ${methods[i % 4]} ` +
      `/api/items/${i} status=200 duration_ms=${i % 97} req=${i.toString(36)} msg=`;
    chunk += `${head}${'x'.repeat(LINE_BYTES - 1 - head.length)}\n`;
    if (chunk.length >= 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}

/** Runs a command with stdout to /dev/null (or a given fd) and measures time and peak RSS. */
async function measure(
  command: string,
  args: string[],
  options: {
    env?: NodeJS.ProcessEnv;
    stdout?: 'devnull' | 'pipe';
    onStdout?: (s: NodeJS.ReadableStream) => void;
  } = {},
): Promise<Measurement> {
  const timeFile = join(tmpdir(), `bench-time-${process.pid}-${Math.random()}`);
  const useTime = existsSync(GNU_TIME);
  const [file, argv] = useTime
    ? [GNU_TIME, ['-f', '%M', '-o', timeFile, command, ...args]]
    : [command, args];

  const devNull = await open('/dev/null', 'w');
  const started = process.hrtime.bigint();
  const child = spawn(file, argv, {
    env: options.env ?? process.env,
    stdio: ['ignore', options.stdout === 'pipe' ? 'pipe' : devNull.fd, 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  if (options.stdout === 'pipe' && child.stdout) options.onStdout?.(child.stdout);
  const [code] = (await once(child, 'exit')) as [number | null];
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await devNull.close();

  if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${code}:\n${stderr}`);
  let peakRssKiB: number | undefined;
  if (useTime) {
    peakRssKiB = Number((await readFile(timeFile, 'utf8')).trim().split('\n').at(-1));
    await rm(timeFile, { force: true });
  }
  const stopped = stderr.split('\n').find((line) => line.includes('"shipper stopped"'));
  const delivered = stopped
    ? (JSON.parse(stopped) as { recordsDelivered: number }).recordsDelivered
    : undefined;
  return { seconds, peakRssKiB, delivered };
}

/** The median of RUNS runs by time, with the highest peak RSS of them all. */
async function median(name: string, run: () => Promise<Measurement>): Promise<Row> {
  const results: Measurement[] = [];
  for (let i = 0; i < RUNS; i++) results.push(await run());
  const sorted = [...results].sort((a, b) => a.seconds - b.seconds);
  const middle = sorted[Math.floor((sorted.length - 1) / 2)] as Measurement;
  const peaks = results.map((r) => r.peakRssKiB ?? 0);
  return {
    name,
    ...middle,
    peakRssKiB: peaks.some((p) => p > 0) ? Math.max(...peaks) : undefined,
  };
}

function shipperEnv(logDir: string, stateRoot: string, extra: Record<string, string>) {
  return {
    PATH: process.env.PATH,
    LOG_DIR: logDir,
    STATE_DIR: join(stateRoot, `state-${Math.random().toString(36).slice(2)}`),
    ONCE: 'true',
    LOG_LEVEL: 'info',
    ...extra,
  };
}

/** Counts the lines of every POST body; optionally answers only after a delay. */
async function countingServer(
  delayMs: number,
): Promise<{ server: Server; url: string; lines: () => number }> {
  let lines = 0;
  const server = createServer((request, response) => {
    request.on('data', (chunk: Buffer) => {
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
    });
    request.on('end', () => {
      setTimeout(() => response.writeHead(204).end(), delayMs);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/ingest`, lines: () => lines };
}

/** Reads a stream no faster than `bytesPerSecond`: a sink that cannot keep up. */
function throttle(stream: NodeJS.ReadableStream, bytesPerSecond: number): void {
  const started = Date.now();
  let bytes = 0;
  stream.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    const due = (bytes / bytesPerSecond) * 1000 - (Date.now() - started);
    if (due > 0) {
      stream.pause();
      setTimeout(() => stream.resume(), due);
    }
  });
}

function table(rows: Row[], bytes: number): string {
  const cat = rows.find((row) => row.name === 'cat')?.seconds ?? Number.NaN;
  const tail = rows.find((row) => row.name === 'tail -n +1')?.seconds ?? Number.NaN;
  const lines = [
    '| case | seconds | lines/s | MiB/s | peak RSS (MiB) | time / cat | time / tail |',
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const row of rows) {
    const cells = [
      row.name,
      row.seconds.toFixed(3),
      Math.round(LINES / row.seconds).toLocaleString('en-US'),
      (bytes / MIB / row.seconds).toFixed(0),
      row.peakRssKiB === undefined ? 'n/a' : (row.peakRssKiB / 1024).toFixed(1),
      `${(row.seconds / cat).toFixed(1)}x`,
      `${(row.seconds / tail).toFixed(1)}x`,
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

function formatLoad(load: number[]): string {
  return load.map((value) => value.toFixed(2)).join(' ');
}

async function main(): Promise<void> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first`);
  const loadBefore = loadavg();
  const root = await mkdtemp(join(tmpdir(), 'log-sidecar-bench-'));
  const logDir = join(root, 'logs');
  const path = join(logDir, 'app.log');
  try {
    await mkdir(logDir);
    await writeLogFile(path);
    const bytes = LINES * LINE_BYTES;
    spawnSync('cat', [path], { stdio: ['ignore', 'ignore', 'inherit'] });

    const rows: Row[] = [];
    rows.push(await median('cat', () => measure('cat', [path])));
    rows.push(await median('tail -n +1', () => measure('tail', ['-n', '+1', path])));
    for (const format of ['raw', 'json']) {
      rows.push(
        await median(`log-sidecar ${format} → stdout`, () =>
          measure(process.execPath, [MAIN], {
            env: shipperEnv(logDir, root, { OUTPUT_FORMAT: format }),
          }),
        ),
      );
    }
    for (const format of ['raw', 'json']) {
      const sink = await countingServer(0);
      rows.push(
        await median(`log-sidecar ${format} → HTTP (127.0.0.1)`, () =>
          measure(process.execPath, [MAIN], {
            env: shipperEnv(logDir, root, {
              OUTPUT_FORMAT: format,
              SINK: 'http',
              SINK_URL: sink.url,
            }),
          }),
        ),
      );
      sink.server.close();
    }

    const slowRate = `${(SLOW_BYTES_PER_SECOND / MIB).toFixed(0)} MiB/s`;
    rows.push({
      name: `log-sidecar raw → stdout read at ${slowRate}`,
      ...(await measure(process.execPath, [MAIN], {
        env: shipperEnv(logDir, root, {}),
        stdout: 'pipe',
        onStdout: (stream) => throttle(stream, SLOW_BYTES_PER_SECOND),
      })),
    });
    const slowHttp = await countingServer(HTTP_DELAY_MS);
    rows.push({
      name: `log-sidecar json → HTTP answering after ${HTTP_DELAY_MS} ms`,
      ...(await measure(process.execPath, [MAIN], {
        env: shipperEnv(logDir, root, {
          OUTPUT_FORMAT: 'json',
          SINK: 'http',
          SINK_URL: slowHttp.url,
        }),
      })),
    });
    slowHttp.server.close();

    for (const row of rows) {
      if (row.delivered !== undefined && row.delivered !== LINES) {
        throw new Error(`${row.name} delivered ${row.delivered} of ${LINES} lines`);
      }
    }
    console.log(
      `\n${LINES.toLocaleString('en-US')} lines of ${LINE_BYTES} bytes ` +
        `(${(bytes / MIB).toFixed(0)} MiB), median of ${RUNS} runs (slow-sink rows: one run), ` +
        `page cache warm, node ${process.version}\n` +
        `${new Date().toISOString().slice(0, 10)}, ` +
        `${cpus().length} × ${cpus()[0]?.model ?? '?'}, ` +
        `load average ${formatLoad(loadBefore)} before, ${formatLoad(loadavg())} after\n`,
    );
    console.log(table(rows, bytes));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

await main();
