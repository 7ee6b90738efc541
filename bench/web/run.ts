/**
 * GET / of the pod's web container against baselines measured in the same run:
 * a bare Express 5 app and a raw node:http server answering from memory, and,
 * when Debian's python3-flask, python3-redis and gunicorn are installed, the
 * original Flask app under gunicorn with two workers.
 *
 *   npm run bench:web            (BENCH_SECONDS=10 BENCH_CONNECTIONS=50 by default)
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { freePort } from '../../runner/src/free-port.js';
import { LocalPod } from '../../runner/src/local-pod.js';
import { rssMiB, samplePeakRss } from '../lib/rss.js';
import { SecretDir } from '../lib/secret-dir.js';
import { hasWrk, runWrk, type LoadResult } from '../lib/wrk.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const here = import.meta.dirname;

interface Row extends LoadResult {
  name: string;
  peakRssMiB: number;
}

async function main(): Promise<void> {
  if (!hasWrk()) throw new Error('wrk is needed: apt-get install -y wrk');

  const rows: Row[] = [];
  rows.push(await benchNodeScript('bare Express 5, from memory', 'express-bare.mjs'));
  rows.push(await benchNodeScript('raw node:http, from memory', 'raw-http.mjs'));
  const pod = await benchPod();
  rows.push(pod.row);
  if (hasFlask()) rows.push(await benchFlask());
  else
    console.log('flask baseline skipped: apt-get install -y python3-flask python3-redis gunicorn');

  printTable(rows, pod.rotationMs);
}

async function benchNodeScript(name: string, script: string): Promise<Row> {
  const port = await freePort();
  const child = spawn(process.execPath, [join(here, script)], {
    env: { ...process.env, PORT: String(port) },
    stdio: 'ignore',
  });
  try {
    await waitForStatus(port, 200);
    return await measure(name, port, () => [child.pid!]);
  } finally {
    await stopChild(child);
  }
}

async function benchPod(): Promise<{ row: Row; rotationMs: number }> {
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
    quiet: true,
  });

  try {
    await pod.start();
    const webPid = () => [pod.pidOf('web')!];

    // The Secret rotates halfway through the load: the answers must follow within 1 s.
    const rotation = (async () => {
      await sleep((SECONDS * 1000) / 2 + 2000);
      const swappedAt = Date.now();
      await secret.write({ secret: 'rotated' });
      while ((await fetchBody(port)) !== 'Hi there! The secret is rotated.\n') await sleep(5);
      return Date.now() - swappedAt;
    })();

    const row = await measure('pod web (Express, logging every request)', port, webPid);
    return { row, rotationMs: await rotation };
  } finally {
    await pod.stop();
    await secret.remove();
    await rm(runDir, { recursive: true, force: true });
  }
}

function hasFlask(): boolean {
  const imports = spawnSync('python3', ['-c', 'import flask, redis'], { stdio: 'ignore' });
  const gunicorn = spawnSync('gunicorn', ['--version'], { stdio: 'ignore' });
  return imports.status === 0 && gunicorn.error === undefined;
}

async function benchFlask(): Promise<Row> {
  const redisPort = await freePort();
  const redis = spawn(process.env.REDIS_SERVER ?? 'redis-server', ['-'], {
    stdio: ['pipe', 'ignore', 'inherit'],
  });
  redis.stdin.end(`bind 127.0.0.1\nport ${redisPort}\nsave ""\nappendonly no\n`);
  const port = await freePort();
  let gunicorn: ChildProcess | undefined;

  try {
    await sleep(300);
    spawnSync('redis-cli', ['-p', String(redisPort), 'SET', 'secret', 'foobar'], {
      stdio: 'ignore',
    });
    gunicorn = spawn('gunicorn', ['-w', '2', '-b', `127.0.0.1:${port}`, 'flask_app:app'], {
      cwd: here,
      env: { ...process.env, REDIS_URL: `redis://127.0.0.1:${redisPort}` },
      stdio: 'ignore',
    });
    await waitForStatus(port, 200);
    const workers = () => childPids(gunicorn!.pid!).concat(gunicorn!.pid!);
    return await measure('original Flask, gunicorn -w 2', port, workers);
  } finally {
    if (gunicorn) await stopChild(gunicorn);
    await stopChild(redis);
  }
}

async function measure(name: string, port: number, pids: () => number[]): Promise<Row> {
  const url = `http://127.0.0.1:${port}/`;
  await runWrk(url, CONNECTIONS, 2);

  const rss = samplePeakRss(pids);
  const result = await runWrk(url, CONNECTIONS, SECONDS);
  const peak = rss.stop();
  console.log(`${name}: ${Math.round(result.requestsPerSecond)} requests/s`);
  return { name, ...result, peakRssMiB: peak || pids().reduce((sum, pid) => sum + rssMiB(pid), 0) };
}

function printTable(rows: Row[], rotationMs: number): void {
  const express = rows.find((row) => row.name.startsWith('bare Express'))!;
  const raw = rows.find((row) => row.name.startsWith('raw node:http'))!;
  const pod = rows.find((row) => row.name.startsWith('pod web'))!;

  console.log(`\nwrk -c${CONNECTIONS}, ${SECONDS} s each, ${new Date().toISOString()}\n`);
  console.log(
    '| server | requests/s | p50 ms | p99 ms | peak RSS MiB | vs bare Express | vs raw http | non-2xx |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const row of rows) {
    console.log(
      `| ${row.name} | ${Math.round(row.requestsPerSecond)} | ${row.p50Ms.toFixed(2)} | ` +
        `${row.p99Ms.toFixed(2)} | ${row.peakRssMiB.toFixed(0)} | ` +
        `${(row.requestsPerSecond / express.requestsPerSecond).toFixed(2)} | ` +
        `${(row.requestsPerSecond / raw.requestsPerSecond).toFixed(2)} | ${row.non2xx + row.socketErrors} |`,
    );
  }

  const ratio = pod.requestsPerSecond / express.requestsPerSecond;
  console.log('');
  console.log(
    `goal pod/bare-Express >= 0.90: ${ratio.toFixed(2)} ${ratio >= 0.9 ? 'met' : 'MISSED'}`,
  );
  console.log(
    `goal p99 <= 10 ms: ${pod.p99Ms.toFixed(2)} ms ${pod.p99Ms <= 10 ? 'met' : 'MISSED'}`,
  );
  console.log(
    `goal web RSS <= 100 MiB: ${pod.peakRssMiB.toFixed(0)} MiB ${pod.peakRssMiB <= 100 ? 'met' : 'MISSED'}`,
  );
  console.log(
    `goal rotation served <= 1000 ms under load: ${rotationMs} ms ${rotationMs <= 1000 ? 'met' : 'MISSED'}`,
  );
  const stretch = pod.requestsPerSecond / raw.requestsPerSecond;
  console.log(`stretch pod/raw-http >= 0.50: ${stretch.toFixed(2)}`);
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
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/' }, (res) => {
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
