import { ConfigError } from '@sidecar-pod/common';

import { loadConfig } from './config.js';
import { runnerLine } from './log-format.js';
import { LocalPod } from './local-pod.js';
import { checkPortFree, checkRedisServer, PreflightError } from './preflight.js';

const write = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

async function main(): Promise<number> {
  const config = loadConfig(process.env, process.stdout.isTTY === true);
  checkRedisServer(config.redisServer);
  await checkPortFree('127.0.0.1', config.webPort);

  // The runner's own settings are not the containers' business.
  const baseEnv = { ...process.env };
  for (const name of ['PORT', 'REDIS_PORT', 'SECRET_DIR', 'RUN_DIR', 'REDIS_SERVER']) {
    delete baseEnv[name];
  }

  const pod = new LocalPod({ config, write, baseEnv });
  let stopping = false;
  const stop = async (reason: string): Promise<boolean> => {
    stopping = true;
    write(runnerLine(`${reason}: stopping web, then log-sidecar, then secret-sidecar`));
    return pod.stop();
  };
  const signalled = new Promise<NodeJS.Signals>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, resolve);
  });

  const started = pod.start().then(
    () => 'started' as const,
    (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
  );
  const first = await Promise.race([started, signalled, pod.firstExit()]);

  if (first instanceof Error) {
    await stop(first.message);
    return 1;
  }
  if (first !== 'started') {
    const reason =
      typeof first === 'string'
        ? `${first} received`
        : `${first.name} exited (${first.signal ?? `status ${first.code}`}) before the pod was ready`;
    await stop(reason);
    return typeof first === 'string' ? 0 : 1;
  }

  for (const { name, url } of pod.metricsUrls()) write(runnerLine(`metrics of ${name}: ${url}`));
  write(runnerLine(`ready: curl http://127.0.0.1:${config.webPort}/`));
  const event = await Promise.race([signalled, pod.firstExit()]);
  if (stopping) return 1;
  if (typeof event === 'string') return (await stop(`${event} received`)) ? 0 : 1;

  await stop(`${event.name} exited (${event.signal ?? `status ${event.code}`})`);
  return 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof ConfigError || error instanceof PreflightError) {
      process.stderr.write(`runner: ${error.message}\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`runner: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
