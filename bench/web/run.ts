/**
 * GET / of the pod's web container against baselines measured in the same run:
 * a bare Express 5 app and a raw node:http server answering from memory, and,
 * when Debian's python3-flask, python3-redis and gunicorn are installed, the
 * original Flask app under gunicorn with two workers.
 *
 * The machine is shared, so each server is measured BENCH_ROUNDS times, the three
 * taking turns, and the table shows medians; the ratios are medians of ratios taken
 * within one round, when the servers met the same background load. CPU per request
 * (the server's user + system time over the responses wrk completed) moves less with
 * that load than requests per second do.
 *
 *   npm run bench:web     (BENCH_SECONDS=10 BENCH_CONNECTIONS=50 BENCH_ROUNDS=3 by default;
 *                          BENCH_WEB_NODE_OPTIONS=--max-semi-space-size=16 tries another V8 setting)
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

import { freePort } from '../../runner/src/free-port.js';
import { LocalPod, nodeOptionsFor } from '../../runner/src/local-pod.js';
import { cpuSeconds } from '../lib/cpu.js';
import { rssMiB, samplePeakRss } from '../lib/rss.js';
import { SecretDir } from '../lib/secret-dir.js';
import { median } from '../lib/stats.js';
import { hasWrk, runWrk, type LoadResult } from '../lib/wrk.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** NODE_OPTIONS for web alone, to try V8 heap settings instead of those of web's image. */
const WEB_NODE_OPTIONS = process.env.BENCH_WEB_NODE_OPTIONS;
const here = import.meta.dirname;

interface Sample extends LoadResult {
  /** Responses completed in the warm-up before the measured run. */
  warmupRequests: number;
  peakRssMiB: number;
  cpuMicrosPerRequest: number;
}

/** A server under test: started once, measured once per round. */
interface Target {
  name: string;
  port: number;
  pids(): number[];
  stop(): Promise<void>;
}

const EXPRESS = 'bare Express 5, from memory';
const RAW = 'raw node:http, from memory';
const POD = 'pod web (Express, logging every request)';
const FLASK = 'original Flask, gunicorn -w 2';

async function main(): Promise<void> {
  if (!hasWrk()) throw new Error('wrk is needed: apt-get install -y wrk');

  const loadBefore = loadavg()[0]!;
  const targets: Target[] = [];
  const samples = new Map<string, Sample[]>();
  let rotationMs = Number.NaN;
  try {
    targets.push(await startNodeScript(EXPRESS, 'express-bare.mjs'));
    targets.push(await startNodeScript(RAW, 'raw-http.mjs'));
    const pod = await startPod();
    targets.push(pod.target);
    if (hasFlask()) targets.push(await startFlask());
    else
      console.log(
        'flask baseline skipped: apt-get install -y python3-flask python3-redis gunicorn',
      );

    for (let round = 1; round <= ROUNDS; round += 1) {
      for (const target of targets) {
        // The Secret rotates halfway through the pod's first run: answers must follow within 1 s.
        const rotation = round === 1 && target === pod.target ? pod.rotateDuringLoad() : undefined;
        const sample = await measure(target);
        if (rotation) rotationMs = await rotation;
        samples.set(target.name, [...(samples.get(target.name) ?? []), sample]);
        console.log(
          `round ${round}: ${target.name}: ${Math.round(sample.requestsPerSecond)} requests/s, ` +
            `p99 ${sample.p99Ms.toFixed(2)} ms, ${sample.cpuMicrosPerRequest.toFixed(1)} µs CPU ` +
            `per request, load average ${loadavg()[0]!.toFixed(1)}`,
        );
      }
    }

    const served = { count: await scrapeServedRoot(pod.metricsUrl), url: pod.metricsUrl };
    printTable(samples, rotationMs, served, loadBefore);
  } finally {
    for (const target of targets.reverse()) await target.stop();
  }
}

async function startNodeScript(name: string, script: string): Promise<Target> {
  const port = await freePort();
  const child = spawn(process.execPath, [join(here, script)], {
    env: { ...process.env, PORT: String(port) },
    stdio: 'ignore',
  });
  await waitForStatus(port, 200);
  return { name, port, pids: () => [child.pid!], stop: () => stopChild(child) };
}

interface PodTarget {
  target: Target;
  /** web's GET /metrics, on a free port the runner chose. */
  metricsUrl: string;
  rotateDuringLoad(): Promise<number>;
}

async function startPod(): Promise<PodTarget> {
  const port = await freePort();
  const runDir = await mkdtemp(join(tmpdir(), 'sidecar-pod-bench-'));
  const secret = await SecretDir.create({ secret: 'foobar' });
  const pod = new LocalPod({
    config: {
      webPort: port,
      redisPort: undefined,
      secretHealthPort: undefined,
      logHealthPort: undefined,
      secretDir: secret.path,
      runDir,
      redisServer: process.env.REDIS_SERVER ?? 'redis-server',
      colour: false,
    },
    write: () => undefined,
    baseEnv: { ...process.env },
    containerEnv: WEB_NODE_OPTIONS ? { web: { NODE_OPTIONS: WEB_NODE_OPTIONS } } : {},
    quiet: true,
  });
  const stop = async (): Promise<void> => {
    await pod.stop();
    await secret.remove();
    await rm(runDir, { recursive: true, force: true });
  };

  try {
    await pod.start();
  } catch (error) {
    await stop();
    throw error;
  }
  const rotateDuringLoad = async (): Promise<number> => {
    await sleep((SECONDS * 1000) / 2 + 2000);
    const swappedAt = Date.now();
    await secret.write({ secret: 'rotated' });
    while ((await fetchBody(port)) !== 'Hi there! The secret is rotated.\n') await sleep(5);
    return Date.now() - swappedAt;
  };
  const metricsUrl = pod.metricsUrls().find((entry) => entry.name === 'web')?.url ?? '';
  return {
    target: { name: POD, port, pids: () => [pod.pidOf('web')!], stop },
    metricsUrl,
    rotateDuringLoad,
  };
}

/** Loads the Flask app with gunicorn's own interpreter, without serving it. */
function hasFlask(): boolean {
  const check = spawnSync('gunicorn', ['--check-config', 'flask_app:app'], {
    cwd: here,
    env: { ...process.env, REDIS_URL: 'redis://127.0.0.1:6379' },
    stdio: 'ignore',
  });
  return check.status === 0;
}

async function startFlask(): Promise<Target> {
  const redisPort = await freePort();
  const redis = spawn(process.env.REDIS_SERVER ?? 'redis-server', ['-'], {
    stdio: ['pipe', 'ignore', 'inherit'],
  });
  redis.stdin.end(`bind 127.0.0.1\nport ${redisPort}\nsave ""\nappendonly no\n`);
  const port = await freePort();
  await sleep(300);
  spawnSync('redis-cli', ['-p', String(redisPort), 'SET', 'secret', 'foobar'], {
    stdio: 'ignore',
  });
  const gunicorn = spawn('gunicorn', ['-w', '2', '-b', `127.0.0.1:${port}`, 'flask_app:app'], {
    cwd: here,
    env: { ...process.env, REDIS_URL: `redis://127.0.0.1:${redisPort}` },
    stdio: 'ignore',
  });
  await waitForStatus(port, 200);
  return {
    name: FLASK,
    port,
    pids: () => childPids(gunicorn.pid!).concat(gunicorn.pid!),
    stop: async () => {
      await stopChild(gunicorn);
      await stopChild(redis);
    },
  };
}

async function measure(target: Target): Promise<Sample> {
  const url = `http://127.0.0.1:${target.port}/`;
  const warmup = await runWrk(url, CONNECTIONS, 2);

  const rss = samplePeakRss(target.pids);
  const cpuBefore = cpuSeconds(target.pids());
  const result = await runWrk(url, CONNECTIONS, SECONDS);
  const cpu = cpuSeconds(target.pids()) - cpuBefore;
  const peak = rss.stop() || target.pids().reduce((sum, pid) => sum + rssMiB(pid), 0);
  return {
    ...result,
    warmupRequests: warmup.requests,
    peakRssMiB: peak,
    cpuMicrosPerRequest: (cpu * 1e6) / result.requests,
  };
}

/** web's own count of GET / answered 200, to show the metrics were on and counting. */
async function scrapeServedRoot(url: string): Promise<number | undefined> {
  const { port, pathname } = new URL(url);
  const text = await fetchText(Number(port), pathname);
  const line = /^web_http_requests_total\{route="\/",status="200"\} (\d+)$/m.exec(text);
  return line ? Number(line[1]) : undefined;
}

function printTable(
  samples: Map<string, Sample[]>,
  rotationMs: number,
  served: { count: number | undefined; url: string },
  loadBefore: number,
): void {
  const of = (name: string): Sample[] => samples.get(name) ?? [];
  const ratios = (name: string, base: string): number =>
    median(
      of(name).map(
        (sample, round) => sample.requestsPerSecond / of(base)[round]!.requestsPerSecond,
      ),
    );
  const rpsOf = (list: Sample[]): number[] => list.map((sample) => sample.requestsPerSecond);

  console.log(
    `\nwrk -t2 -c${CONNECTIONS}, ${SECONDS} s per run, ${ROUNDS} rounds, medians; ` +
      `${cpus().length} CPUs, load average ${loadBefore.toFixed(1)} before and ` +
      `${loadavg()[0]!.toFixed(1)} after; web NODE_OPTIONS ${webNodeOptions() ?? 'unset'}; ` +
      `${new Date().toISOString()}\n`,
  );
  console.log(
    '| server | requests/s (min-max) | p50 ms | p99 ms | CPU µs/request | peak RSS MiB ' +
      '| vs bare Express | vs raw http | non-2xx |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const [name, list] of samples) {
    const rps = rpsOf(list);
    const errors = list.reduce((sum, sample) => sum + sample.non2xx + sample.socketErrors, 0);
    console.log(
      `| ${name} | ${Math.round(median(rps))} (${Math.round(Math.min(...rps))}-` +
        `${Math.round(Math.max(...rps))}) | ${median(list.map((s) => s.p50Ms)).toFixed(2)} | ` +
        `${median(list.map((s) => s.p99Ms)).toFixed(2)} | ` +
        `${median(list.map((s) => s.cpuMicrosPerRequest)).toFixed(1)} | ` +
        `${Math.max(...list.map((s) => s.peakRssMiB)).toFixed(0)} | ` +
        `${ratios(name, EXPRESS).toFixed(2)} | ${ratios(name, RAW).toFixed(2)} | ${errors} |`,
    );
  }

  const pod = of(POD);
  const ratio = ratios(POD, EXPRESS);
  const p99 = median(pod.map((sample) => sample.p99Ms));
  const rss = Math.max(...pod.map((sample) => sample.peakRssMiB));
  const completed = pod.reduce((sum, s) => sum + s.requests + s.warmupRequests, 0);
  console.log('');
  console.log(
    `goal pod/bare-Express >= 0.90: ${ratio.toFixed(2)} ${ratio >= 0.9 ? 'met' : 'MISSED'}`,
  );
  console.log(`goal p99 <= 10 ms: ${p99.toFixed(2)} ms ${p99 <= 10 ? 'met' : 'MISSED'}`);
  console.log(`goal web RSS <= 100 MiB: ${rss.toFixed(0)} MiB ${rss <= 100 ? 'met' : 'MISSED'}`);
  console.log(
    `goal rotation served <= 1000 ms under load: ${rotationMs} ms ` +
      `${rotationMs <= 1000 ? 'met' : 'MISSED'}`,
  );
  console.log(`stretch pod/raw-http >= 0.50: ${ratios(POD, RAW).toFixed(2)}`);
  console.log(
    served.count === undefined
      ? `web metrics: no GET / sample at ${served.url}`
      : `web metrics: ${served.count} GET / answered 200; wrk completed ${completed} in all runs`,
  );
}

function webNodeOptions(): string | undefined {
  return WEB_NODE_OPTIONS ?? nodeOptionsFor('web', process.env.NODE_OPTIONS);
}

function childPids(parent: number): number[] {
  const out = spawnSync('pgrep', ['-P', String(parent)], { encoding: 'utf8' }).stdout ?? '';
  return out.split('\n').filter(Boolean).map(Number);
}

async function waitForStatus(port: number, status: number): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    if ((await statusOf(port)) === status) return;
    await sleep(100);
  }
  throw new Error(`nothing answered ${status} on 127.0.0.1:${port}`);
}

function statusOf(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/' }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

function fetchBody(port: number): Promise<string> {
  return fetchText(port, '/');
}

function fetchText(port: number, path: string): Promise<string> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve(body));
    });
    req.on('error', () => resolve(''));
    req.end();
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

main().catch((error: unknown) => {
  console.error(`bench:web: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
