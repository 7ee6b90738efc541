import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { IngestServer } from './support/ingest-server.js';
import { lines, range, sequence } from './support/log-files.js';
import { Scenario } from './support/scenario.js';
import { MAIN, sleep, type ShipperProcess } from './support/shipper-process.js';

async function get(shipper: ShipperProcess, path: string): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${shipper.healthPort}${path}`);
  await response.arrayBuffer();
  return response.status;
}

describe('log-sidecar start-up', () => {
  let scenario: Scenario;
  let server: IngestServer | undefined;

  afterEach(async () => {
    await scenario.cleanup();
    await server?.close();
    server = undefined;
  });

  const starts = [
    { dir: 'missing', createDir: false },
    { dir: 'empty', createDir: true },
  ];

  it.each(starts)(
    'should wait without restarting while LOG_DIR is $dir and ship a file that appears 1 s later',
    async ({ createDir }) => {
      scenario = await Scenario.create({ createLogDir: createDir });
      const shipper = await scenario.start();
      await shipper.waitForLog('checkpoint loaded');
      await shipper.waitFor(
        () => shipper.logs().some((l) => l.msg === 'health endpoints listening'),
        5000,
        'health',
      );

      await sleep(1000);
      expect(await get(shipper, '/healthz')).toBe(200);
      expect(await get(shipper, '/readyz')).toBe(200);
      await mkdir(scenario.logDir, { recursive: true });
      await writeFile(join(scenario.logDir, 'app.log'), lines(1, 5));

      await shipper.waitForRecords(5);
      const waiting = shipper.logs().filter((log) => log.msg === 'waiting for the log directory');
      expect(sequence(shipper.records())).toEqual(range(1, 5));
      expect(waiting).toHaveLength(createDir ? 0 : 1);
      expect(shipper.child.exitCode).toBeNull();
      expect((await shipper.stop()).code).toBe(0);
    },
  );

  it('should ignore files that do not match LOG_GLOB', async () => {
    scenario = await Scenario.create();
    await writeFile(join(scenario.logDir, 'app.log'), lines(1, 3));
    await writeFile(join(scenario.logDir, 'app.log.1'), lines(900, 905));
    await writeFile(join(scenario.logDir, 'access.txt'), lines(950, 955));
    const shipper = await scenario.start({ LOG_GLOB: 'app.log' });

    await shipper.waitForRecords(3);
    await sleep(300);

    expect(sequence(shipper.records())).toEqual(range(1, 3));
  });

  const invalid = [
    { variable: 'SINK_URL', env: { SINK: 'http' } },
    { variable: 'OUTPUT_FORMAT', env: { OUTPUT_FORMAT: 'xml' } },
    { variable: 'MAX_LINE_BYTES', env: { MAX_LINE_BYTES: 'lots' } },
    { variable: 'LOG_GLOB', env: { LOG_GLOB: 'sub/*.log' } },
    { variable: 'METRICS_PORT', env: { HEALTH_PORT: '9000', METRICS_PORT: '9000' } },
  ];

  it.each(invalid)(
    'should exit 2 with one line naming $variable when it is invalid',
    async ({ variable, env }) => {
      const child = spawn(process.execPath, [MAIN], {
        env: { PATH: process.env.PATH ?? '', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      const [code] = (await once(child, 'exit')) as [number];

      expect(code).toBe(2);
      expect(stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(stderr).toContain(variable);
    },
  );

  it('should log the resolved configuration once, with SINK_URL secrets masked', async () => {
    scenario = await Scenario.create();
    server = new IngestServer(() => 'accept');
    const url = new URL(await server.listen());
    url.username = 'shipper';
    url.password = 's3cret';
    url.search = '?token=t0ken&tenant=a';
    const shipper = await scenario.start({ SINK: 'http', SINK_URL: url.toString() });

    await shipper.waitForLog('ready');
    const starting = shipper.logs().filter((log) => log.msg === 'log-sidecar starting');

    expect(starting).toHaveLength(1);
    expect(starting[0]).toMatchObject({
      level: 'info',
      config: {
        logDir: scenario.logDir,
        sink: 'http',
        batchMaxLines: 10_000,
        metricsHost: '127.0.0.1',
        metricsPort: shipper.metricsPort,
        http: { url: `http://***:***@${url.host}/ingest?token=***&tenant=***` },
      },
    });
    expect(shipper.stderrText()).not.toMatch(/s3cret|t0ken/);
  });

  it('should log each readiness change once: ready, then not ready at shutdown', async () => {
    scenario = await Scenario.create();
    await writeFile(join(scenario.logDir, 'app.log'), lines(1, 5));
    const shipper = await scenario.start();
    await shipper.waitForRecords(5);
    await shipper.waitForLog('health endpoints listening');
    const readyBefore = await get(shipper, '/readyz');

    const exit = await shipper.stop();
    const changes = shipper
      .logs()
      .filter((log) => log.msg === 'ready' || log.msg === 'not ready')
      .map((log) => [log.level, log.msg, log.reason]);

    expect(readyBefore).toBe(200);
    expect(exit.code).toBe(0);
    expect(changes).toEqual([
      ['info', 'ready', 'checkpoint loaded'],
      ['info', 'not ready', 'shutting down'],
    ]);
  });

  it('should exit 1 with one fatal line naming METRICS_PORT when the port is taken', async () => {
    scenario = await Scenario.create();
    server = new IngestServer(() => 'accept');
    const taken = new URL(await server.listen()).port;
    const shipper = await scenario.start({ METRICS_PORT: taken });

    const exit = await shipper.exited;
    const fatal = shipper.logs().filter((log) => log.level === 'fatal');

    expect(exit.code).toBe(1);
    expect(fatal).toHaveLength(1);
    expect(fatal[0]?.msg).toContain('METRICS_PORT');
  });
});
