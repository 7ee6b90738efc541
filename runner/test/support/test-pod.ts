import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { SecretDir } from '../../../bench/lib/secret-dir.js';
import { freePort } from '../../src/free-port.js';
import { LocalPod } from '../../src/local-pod.js';
import { childPids, isAlive } from './process-tree.js';
import { sleep, waitFor } from '../../../test-support/wait.js';

const CONTAINERS = ['secret-sidecar', 'log-sidecar', 'web'] as const;

export type ContainerName = (typeof CONTAINERS)[number];

/** One line the runner printed, split into its container, marker and text. */
export interface PodLine {
  /** Date.now() when the line reached this process. */
  at: number;
  source: ContainerName | 'runner';
  /** `>` for a record the log sidecar shipped, `|` for a process's own output. */
  marker: '|' | '>';
  text: string;
  raw: string;
}

export interface TestPodOptions {
  /** The Secret's files, e.g. `{ secret: 'foobar' }`. */
  secret: Record<string, string>;
  /** Called with every line as it arrives (the soak counts shipped ids this way). */
  onLine?: (line: PodLine) => void;
  /** Keep lines in memory (default true); a long soak counts them in onLine instead. */
  keepLines?: boolean;
  /** Extra variables per container, e.g. `{ web: { SECRET_CACHE: 'off' } }`. */
  env?: Partial<Record<ContainerName, Record<string, string>>>;
}

/** The runner's line layout: name padded to 15 columns, then `| ` or `> `. */
const LINE = /^(\S+) +([|>]) (.*)$/s;

/**
 * A LocalPod on free loopback ports with a Kubernetes-layout Secret directory and
 * its own run directory, every printed line captured with its arrival time.
 */
export class TestPod {
  private stopped: Promise<boolean> | undefined;

  private constructor(
    /** Every line printed so far, in arrival order. */
    readonly lines: PodLine[],
    readonly pod: LocalPod,
    readonly port: number,
    readonly secretHealthPort: number,
    readonly logHealthPort: number,
    readonly metricsPorts: Record<ContainerName, number>,
    readonly runDir: string,
    readonly secret: SecretDir,
  ) {}

  static async start(options: TestPodOptions): Promise<TestPod> {
    const runDir = await mkdtemp(join(tmpdir(), 'sidecar-pod-test-'));
    const secret = await SecretDir.create(options.secret);
    const port = await freePort();
    const secretHealthPort = await freePort();
    const logHealthPort = await freePort();
    const metricsPorts: Record<ContainerName, number> = {
      'secret-sidecar': await freePort(),
      'log-sidecar': await freePort(),
      web: await freePort(),
    };

    const lines: PodLine[] = [];
    const write = (raw: string): void => {
      const line = parseLine(raw);
      options.onLine?.(line);
      if (options.keepLines !== false) lines.push(line);
    };
    const pod = new LocalPod({
      config: {
        webPort: port,
        redisPort: undefined,
        secretHealthPort,
        logHealthPort,
        secretDir: secret.path,
        runDir,
        redisServer: process.env.REDIS_SERVER ?? 'redis-server',
        colour: false,
      },
      write,
      // Only what a container needs: no test runner variables leak into the pod.
      baseEnv: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      // Free metrics ports, so that pods of tests running side by side do not collide.
      containerEnv: Object.fromEntries(
        CONTAINERS.map((name) => [
          name,
          { METRICS_PORT: String(metricsPorts[name]), ...options.env?.[name] },
        ]),
      ),
    });
    const self = new TestPod(
      lines,
      pod,
      port,
      secretHealthPort,
      logHealthPort,
      metricsPorts,
      runDir,
      secret,
    );

    try {
      await startOrFailFast(pod);
    } catch (error) {
      await self.close();
      const output = self.lines.map((line) => line.raw).join('\n');
      throw new Error(`${(error as Error).message}; the pod printed:\n${output}`);
    }
    return self;
  }

  /** web's LOG_FILE, in the shared log directory. */
  get logFile(): string {
    return join(this.runDir, 'logs', 'web.log');
  }

  pidOf(name: ContainerName): number {
    const pid = this.pod.pidOf(name);
    if (pid === undefined) throw new Error(`${name} has no pid`);
    return pid;
  }

  /** The redis-server the secret sidecar runs now: its only child process. */
  async redisPid(): Promise<number> {
    const children = await childPids(this.pidOf('secret-sidecar'));
    if (children.length !== 1) {
      throw new Error(`secret-sidecar has ${children.length} child processes: ${children}`);
    }
    return children[0]!;
  }

  /** The text of the records the log sidecar shipped (its stdout), in order. */
  shipped(): string[] {
    return this.lines.filter((line) => line.marker === '>').map((line) => line.text);
  }

  /** The lines a container printed itself (stdout and stderr). */
  own(name: ContainerName): PodLine[] {
    return this.lines.filter((line) => line.source === name && line.marker === '|');
  }

  /** Resolves with the first line, arrived at or after `since`, that matches. */
  async waitForLine(
    what: string,
    match: (line: PodLine) => boolean,
    options: { since?: number; timeoutMs?: number } = {},
  ): Promise<PodLine> {
    const since = options.since ?? 0;
    let found: PodLine | undefined;
    await waitFor(
      what,
      () => {
        found = this.lines.find((line) => line.at >= since && match(line));
        return found !== undefined;
      },
      options.timeoutMs ?? 10_000,
    );
    return found!;
  }

  /** web's LOG_FILE as complete lines. */
  async logFileLines(): Promise<string[]> {
    const text = await readFile(this.logFile, 'utf8');
    return text.split('\n').slice(0, -1);
  }

  /** LocalPod.stop once: web, then log-sidecar, then secret-sidecar; true when all exit 0. */
  stop(): Promise<boolean> {
    this.stopped ??= this.pod.stop();
    return this.stopped;
  }

  /** Stops the pod if needed and removes its directories. */
  async close(): Promise<void> {
    await this.stop();
    await this.secret.remove();
    await rm(this.runDir, { recursive: true, force: true });
  }
}

/**
 * LocalPod.start, failing as soon as a container has exited rather than after
 * LocalPod's 30 s readiness wait (as long as a test's whole time budget).
 */
async function startOrFailFast(pod: LocalPod): Promise<void> {
  let done = false;
  const watch = async (): Promise<never> => {
    for (;;) {
      await sleep(100);
      if (done) return new Promise(() => undefined);
      for (const name of CONTAINERS) {
        const pid = pod.pidOf(name);
        if (pid !== undefined && !isAlive(pid)) throw new Error(`${name} exited during start-up`);
      }
    }
  };
  try {
    await Promise.race([pod.start(), watch()]);
  } finally {
    done = true;
  }
}

function parseLine(raw: string): PodLine {
  const at = Date.now();
  const match = LINE.exec(raw);
  if (!match) return { at, source: 'runner', marker: '|', text: raw, raw };
  return {
    at,
    source: match[1] as PodLine['source'],
    marker: match[2] as PodLine['marker'],
    text: match[3]!,
    raw,
  };
}
