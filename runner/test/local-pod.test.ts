import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { freePort } from '../../test-support/free-port.js';

const RUNNER = join(import.meta.dirname, '..', 'dist', 'main.js');

interface RunningRunner {
  child: ChildProcess;
  lines: string[];
  waitForLine(match: (line: string) => boolean, timeoutMs: number): Promise<string>;
}

function startRunner(env: NodeJS.ProcessEnv): RunningRunner {
  const child = spawn(process.execPath, [RUNNER], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters: Array<() => void> = [];
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream! }).on('line', (line) => {
      lines.push(line);
      for (const wake of waiters.splice(0)) wake();
    });
  }

  const waitForLine = async (match: (line: string) => boolean, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = lines.find(match);
      if (found) return found;
      if (Date.now() > deadline || child.exitCode !== null) {
        throw new Error(`no matching line; runner printed:\n${lines.join('\n')}`);
      }
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  };
  return { child, lines, waitForLine };
}

function get(port: number, path: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * The runner's containers (their environment carries this run's marker) and the
 * processes they started. Redis writes its process title over its environment,
 * so it is found as a child of the secret sidecar instead.
 */
async function podProcesses(marker: string, runnerPid: number): Promise<number[]> {
  const parents = new Map<number, number>();
  const marked: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const stat = await readFile(`/proc/${entry}/stat`, 'latin1').catch(() => '');
    const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    parents.set(pid, parent);

    const environ = await readFile(`/proc/${entry}/environ`, 'latin1').catch(() => '');
    if (pid !== runnerPid && environ.includes(`SIDECAR_POD_RUN_MARKER=${marker}`)) marked.push(pid);
  }
  const children = [...parents].filter(([, parent]) => marked.includes(parent)).map(([pid]) => pid);
  return [...marked, ...children];
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('local pod runner', () => {
  let runDir: string;
  let runner: RunningRunner | undefined;

  beforeEach(async () => {
    runDir = await mkdtemp(join(tmpdir(), 'sidecar-pod-runner-'));
  });

  afterEach(async () => {
    if (runner && runner.child.exitCode === null && runner.child.signalCode === null) {
      runner.child.kill('SIGINT');
      await once(runner.child, 'exit');
    }
    runner = undefined;
    await rm(runDir, { recursive: true, force: true });
  });

  it('should serve the seeded secret, ship the request line and leave no process after SIGINT', async () => {
    const port = await freePort();
    const marker = randomUUID();
    runner = startRunner({ PORT: String(port), RUN_DIR: runDir, SIDECAR_POD_RUN_MARKER: marker });

    await runner.waitForLine(
      (line) => line.includes(`ready: curl http://127.0.0.1:${port}/`),
      40_000,
    );
    const requestId = `e2e-${randomUUID()}`;
    const answer = await get(port, '/', { 'x-request-id': requestId });

    expect(answer).toEqual({ status: 200, body: 'Hi there! The secret is foobar.\n' });
    await runner.waitForLine(
      (line) => line.startsWith('log-sidecar    >') && line.includes(requestId),
      10_000,
    );
    const pids = await podProcesses(marker, runner.child.pid!);
    // Three containers and the Redis that the secret sidecar owns.
    expect(pids).toHaveLength(4);

    runner.child.kill('SIGINT');
    const [code] = await once(runner.child, 'exit');

    expect(code).toBe(0);
    expect(pids.filter(alive)).toEqual([]);
    expect(runner.lines.join('\n')).not.toContain('foobar');
  });

  it('should leave no process behind when the runner itself is killed with SIGKILL', async () => {
    const port = await freePort();
    const marker = randomUUID();
    runner = startRunner({ PORT: String(port), RUN_DIR: runDir, SIDECAR_POD_RUN_MARKER: marker });
    await runner.waitForLine((line) => line.includes('ready: curl'), 40_000);
    const pids = await podProcesses(marker, runner.child.pid!);
    expect(pids).toHaveLength(4);

    runner.child.kill('SIGKILL');
    await once(runner.child, 'exit');

    const deadline = Date.now() + 10_000;
    while (pids.some(alive) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(pids.filter(alive)).toEqual([]);
  });

  it('should stop at once, exit 1 and say why when a container fails to start', async () => {
    const emptySecret = join(runDir, 'empty-secret');
    await mkdir(emptySecret);
    const started = Date.now();
    runner = startRunner({
      PORT: String(await freePort()),
      RUN_DIR: runDir,
      SECRET_DIR: emptySecret,
    });
    const [code] = await once(runner.child, 'exit');

    expect(code).toBe(1);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(runner.lines.join('\n')).toContain('holds no keys');
    expect(runner.lines.join('\n')).toMatch(/secret-sidecar exited \(status 1\)/);
  });

  it('should say in one line how to install redis-server when it is missing', async () => {
    runner = startRunner({ RUN_DIR: runDir, REDIS_SERVER: '/nonexistent/redis-server' });
    const [code] = await once(runner.child, 'exit');

    expect(code).toBe(2);
    expect(runner.lines).toEqual([expect.stringContaining('apt-get install -y redis-server')]);
  });

  it('should name the port when the web port is taken', async () => {
    const blocker = createServer();
    blocker.listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const port = (blocker.address() as { port: number }).port;

    try {
      runner = startRunner({ RUN_DIR: runDir, PORT: String(port) });
      const [code] = await once(runner.child, 'exit');

      expect(code).toBe(2);
      expect(runner.lines).toEqual([
        `runner: port ${port} on 127.0.0.1 is already in use: stop what holds it or set PORT`,
      ]);
    } finally {
      blocker.close();
    }
  });
});
