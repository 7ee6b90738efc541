import { appendFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { IngestServer, type Reply } from './support/ingest-server.js';
import { lines, range, sequence } from './support/log-files.js';
import { Scenario } from './support/scenario.js';
import { sleep } from './support/shipper-process.js';

const FAST_RETRIES = { SINK_RETRY_BASE_MS: '20', SINK_RETRY_MAX_MS: '100' };

describe('log-sidecar HTTP sink', () => {
  let scenario: Scenario;
  let server: IngestServer | undefined;

  afterEach(async () => {
    await scenario.cleanup();
    await server?.close();
    server = undefined;
  });

  async function startServer(plan: (attempt: number) => Reply): Promise<string> {
    server = new IngestServer(plan);
    return server.listen();
  }

  it('should deliver every line exactly once through 503s and a dropped connection', async () => {
    scenario = await Scenario.create();
    const failures: Reply[] = [503, 503, 'destroy'];
    const url = await startServer((attempt) => failures[attempt - 1] ?? 'accept');
    await writeFile(join(scenario.logDir, 'app.log'), lines(1, 250));
    const shipper = await scenario.start({
      SINK: 'http',
      SINK_URL: url,
      BATCH_MAX_LINES: '100',
      ...FAST_RETRIES,
    });

    await shipper.waitFor(() => server!.acceptedLines().length >= 250, 10_000, '250 lines');
    await appendFile(join(scenario.logDir, 'app.log'), lines(251, 300));
    await shipper.waitFor(() => server!.acceptedLines().length >= 300, 10_000, '300 lines');
    await sleep(200);
    await shipper.stop();

    expect(sequence(server!.acceptedLines())).toEqual(range(1, 300));
    expect(server!.requests.slice(0, 3).map((request) => request.reply)).toEqual(failures);
    expect(server!.requests[0]?.contentType).toBe('text/plain; charset=utf-8');
    expect(shipper.logs().find((log) => log.msg === 'shipper stopped')).toMatchObject({
      deliveryRetries: 3,
      batchesDropped: 0,
    });
  });

  it(
    'should not retry a batch answered 400: drop it, count it, log it ' + 'and ship the next',
    async () => {
      scenario = await Scenario.create();
      const url = await startServer((attempt) => (attempt === 1 ? 400 : 'accept'));
      const path = join(scenario.logDir, 'app.log');
      await writeFile(path, lines(1, 10));
      const shipper = await scenario.start({
        SINK: 'http',
        SINK_URL: url,
        OUTPUT_FORMAT: 'json',
        ...FAST_RETRIES,
      });

      const refused = await shipper.waitForLog('sink refused the batch');
      await appendFile(path, lines(11, 20));
      await shipper.waitFor(() => server!.acceptedLines().length >= 10, 10_000, '10 lines');
      await sleep(300);
      await shipper.stop();
      const messages = server!.acceptedLines().map((json) => JSON.parse(json).message as string);

      expect(server!.requests).toHaveLength(2);
      expect(server!.requests[1]?.contentType).toBe('application/x-ndjson');
      expect(sequence(messages)).toEqual(range(11, 20));
      expect(refused).toMatchObject({ level: 'error', status: 400, records: 10 });
      expect(shipper.logs().find((log) => log.msg === 'shipper stopped')).toMatchObject({
        batchesDropped: 1,
        recordsDropped: 10,
        deliveryRetries: 0,
      });
    },
  );

  it('should send credentials from SINK_URL as Basic authorization, never in the log', async () => {
    scenario = await Scenario.create();
    const url = new URL(await startServer(() => 'accept'));
    url.username = 'shipper';
    url.password = 's3cret';
    await writeFile(join(scenario.logDir, 'app.log'), lines(1, 1));
    const shipper = await scenario.start({ SINK: 'http', SINK_URL: url.toString() });

    await shipper.waitFor(() => server!.acceptedLines().length >= 1, 10_000, 'one line');

    expect(server!.requests[0]?.authorization).toBe(
      `Basic ${Buffer.from('shipper:s3cret').toString('base64')}`,
    );
    expect(shipper.stderrText()).not.toContain('s3cret');
  });

  it(
    'should exit 1 after SHUTDOWN_TIMEOUT_MS with a failing sink ' +
      'and ship those lines after restart',
    async () => {
      scenario = await Scenario.create();
      let healthy = false;
      const url = await startServer(() => (healthy ? 'accept' : 503));
      await writeFile(join(scenario.logDir, 'app.log'), lines(1, 5));
      const env = { SINK: 'http', SINK_URL: url, SHUTDOWN_TIMEOUT_MS: '500', ...FAST_RETRIES };
      const first = await scenario.start(env);
      await first.waitForLog('sink did not accept the batch');

      const readyBefore = await fetch(`http://127.0.0.1:${first.healthPort}/readyz`);
      first.child.kill('SIGTERM');
      await first.waitForLog('shutting down');
      const readyDuring = await fetch(`http://127.0.0.1:${first.healthPort}/readyz`);
      const exit = await first.exited;

      healthy = true;
      const second = await scenario.start(env);
      await second.waitFor(() => server!.acceptedLines().length >= 5, 10_000, '5 lines');

      expect(readyBefore.status).toBe(200);
      expect(readyDuring.status).toBe(503);
      expect(exit.code).toBe(1);
      expect(first.logs().some((log) => log.msg === 'shutdown deadline passed')).toBe(true);
      expect(sequence(server!.acceptedLines())).toEqual(range(1, 5));
    },
  );
});
