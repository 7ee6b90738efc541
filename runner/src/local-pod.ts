import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

import { generateWebRedisPassword, type RunnerConfig } from './config.js';
import { ContainerProcess } from './container-process.js';
import { freePort } from './free-port.js';
import { createLinePrinter, runnerLine } from './log-format.js';
import { entryPoint } from './paths.js';
import { waitForReady } from './readiness.js';

const LOOPBACK = '127.0.0.1';
const STOP_GRACE_MS = 15_000;
const READY_TIMEOUT_MS = 30_000;

/**
 * The V8 settings a container's image puts in NODE_OPTIONS, so that the local pod runs
 * with the same heap. web's 4 MiB young generation keeps its RSS under load near
 * 85 MiB instead of about 100 (bench/web/RESULTS.md); V8 reads it only at start-up.
 */
const IMAGE_NODE_OPTIONS: Partial<Record<string, string>> = {
  web: '--max-semi-space-size=4',
};

/** The image's flags after any NODE_OPTIONS the runner inherited, which stay in force. */
export function nodeOptionsFor(name: string, inherited: string | undefined): string | undefined {
  const own = IMAGE_NODE_OPTIONS[name];
  if (own === undefined) return inherited;
  return inherited ? `${inherited} ${own}` : own;
}

export interface LocalPodOptions {
  config: RunnerConfig;
  write: (line: string) => void;
  /** Inherited environment, without anything a child should not see. */
  baseEnv: NodeJS.ProcessEnv;
  /** Discard the containers' output (benchmarks), rather than printing it. */
  quiet?: boolean;
  /** Extra variables per container name, over the pod's own (tests: free metrics ports). */
  containerEnv?: Partial<Record<string, Record<string, string>>>;
}

/**
 * The pod as three local processes wired the way Kubernetes wires them: one
 * loopback shared by all, the Secret directory given only to the secret
 * sidecar, and a log directory shared by web (writer) and the log sidecar.
 */
export class LocalPod {
  private readonly containers: ContainerProcess[] = [];
  private readonly abort = new AbortController();
  private readonly options: LocalPodOptions;
  private readonly metricsPorts = new Map<string, number>();

  constructor(options: LocalPodOptions) {
    this.options = options;
  }

  /** Starts the containers in the pod's order and resolves once web is ready. */
  async start(): Promise<void> {
    const { config } = this.options;
    const logDir = join(config.runDir, 'logs');
    const stateDir = join(config.runDir, 'log-sidecar-state');
    await mkdir(logDir, { recursive: true });
    await mkdir(stateDir, { recursive: true });

    const redisPort = config.redisPort ?? (await freePort(LOOPBACK));
    const secretHealthPort = config.secretHealthPort ?? (await freePort(LOOPBACK));
    const logHealthPort = config.logHealthPort ?? (await freePort(LOOPBACK));
    const webRedisPassword = generateWebRedisPassword();
    // Free ports rather than 9101-9103, so that two pods (a test and a user's) never collide.
    for (const name of ['secret-sidecar', 'log-sidecar', 'web']) {
      this.metricsPorts.set(name, await freePort(LOOPBACK));
    }

    this.launch('secret-sidecar', {
      REDIS_SERVER: config.redisServer,
      REDIS_BIND: LOOPBACK,
      REDIS_PORT: String(redisPort),
      SECRET_DIR: config.secretDir,
      WEB_REDIS_USER: 'web',
      WEB_REDIS_PASSWORD: webRedisPassword,
      HEALTH_HOST: LOOPBACK,
      HEALTH_PORT: String(secretHealthPort),
      ...this.metricsEnv('secret-sidecar'),
    });
    await this.waitFor('secret-sidecar', `http://${LOOPBACK}:${secretHealthPort}/readyz`);

    this.launch('log-sidecar', {
      LOG_DIR: logDir,
      STATE_DIR: stateDir,
      HEALTH_HOST: LOOPBACK,
      HEALTH_PORT: String(logHealthPort),
      // The container whose lines it ships, as the Deployment sets it.
      CONTAINER_NAME: 'web',
      ...this.metricsEnv('log-sidecar'),
    });

    this.launch('web', {
      HOST: LOOPBACK,
      PORT: String(config.webPort),
      REDIS_URL: `redis://${LOOPBACK}:${redisPort}`,
      REDIS_USERNAME: 'web',
      REDIS_PASSWORD: webRedisPassword,
      LOG_FILE: join(logDir, 'web.log'),
      ...this.metricsEnv('web'),
    });
    await this.waitFor('web', `http://${LOOPBACK}:${config.webPort}/readyz`);
  }

  /** Resolves with the first container that exits on its own. */
  firstExit(): Promise<{ name: string; code: number | null; signal: string | null }> {
    return Promise.race(
      this.containers.map(async (container) => ({
        name: container.name,
        ...(await container.exited),
      })),
    );
  }

  /**
   * Stops the containers in reverse start order, as the kubelet stops native
   * sidecars: web first, so its last log lines are on disk before the log
   * sidecar drains them, and Redis last. Returns true when all exited with 0.
   */
  async stop(): Promise<boolean> {
    this.abort.abort();

    let clean = true;
    for (const container of [...this.containers].reverse()) {
      const { code, signal } = await container.stop(STOP_GRACE_MS);
      if (code !== 0) clean = false;
      this.options.write(runnerLine(`${container.name} stopped (${signal ?? `exit ${code}`})`));
    }
    return clean;
  }

  /** Where each container serves its Prometheus metrics. */
  metricsUrls(): Array<{ name: string; url: string }> {
    return [...this.metricsPorts].map(([name, port]) => ({
      name,
      url: `http://${LOOPBACK}:${port}/metrics`,
    }));
  }

  pidOf(name: string): number | undefined {
    return this.containers.find((container) => container.name === name)?.pid;
  }

  private launch(name: string, env: Record<string, string>): void {
    const { baseEnv, config, write } = this.options;
    const index = this.containers.length;
    const own = createLinePrinter(name, index, config.colour);
    // The log sidecar's stdout is the shipped stream; its own log goes to stderr.
    const shipped =
      name === 'log-sidecar' ? createLinePrinter(name, index, config.colour, '>') : own;
    const nodeOptions = nodeOptionsFor(name, baseEnv.NODE_OPTIONS);
    const spec = {
      name,
      entryPoint: entryPoint(name),
      env: {
        ...baseEnv,
        ...(nodeOptions === undefined ? {} : { NODE_OPTIONS: nodeOptions }),
        ...env,
        ...this.options.containerEnv?.[name],
      },
      quiet: this.options.quiet ?? false,
    };
    this.containers.push(new ContainerProcess(spec, { stdout: shipped, stderr: own }, write));
  }

  private metricsEnv(name: string): Record<string, string> {
    return { METRICS_HOST: LOOPBACK, METRICS_PORT: String(this.metricsPorts.get(name)) };
  }

  /** Waits for a readiness URL; a container that exits meanwhile ends the wait at once. */
  private async waitFor(name: string, url: string): Promise<void> {
    const exited = this.firstExit().then(({ name: which, code, signal }) => {
      throw new Error(`${which} exited (${signal ?? `status ${code}`}) while ${name} was starting`);
    });
    const ready = await Promise.race([
      waitForReady(url, READY_TIMEOUT_MS, this.abort.signal),
      exited,
    ]);
    exited.catch(() => undefined);
    if (!ready) throw new Error(`${name} did not become ready within ${READY_TIMEOUT_MS / 1000} s`);
  }
}
