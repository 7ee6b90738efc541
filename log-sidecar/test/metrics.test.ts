import { appendFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { IngestServer, type Reply } from './support/ingest-server.js';
import { lines } from './support/log-files.js';
import { labelValues, sampleValue } from './support/metrics-text.js';
import { Scenario } from './support/scenario.js';
import type { ShipperProcess } from './support/shipper-process.js';

const MIB = 1024 * 1024;
const FAST_RETRIES = { SINK_RETRY_BASE_MS: '20', SINK_RETRY_MAX_MS: '100' };

/** Scrapes until `check` holds for the sample: a scrape may come before the batch is counted. */
async function waitForSample(
  shipper: ShipperProcess,
  name: string,
  labels: Record<string, string>,
  check: (value: number | undefined) => boolean,
): Promise<string> {
  await shipper.waitForLog('metrics endpoint listening');
  let text = '';
  await shipper.waitFor(
    async () => check(sampleValue((text = await shipper.scrape()), name, labels)),
    10_000,
    `${name}${JSON.stringify(labels)} as expected; last scrape:\n${text}`,
  );
  return text;
}

describe('log-sidecar metrics', () => {
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

  it('should count exactly the 100 lines and their bytes shipped from app.log', async () => {
    scenario = await Scenario.create();
    const path = join(scenario.logDir, 'app.log');
    await writeFile(path, lines(1, 100));
    const shipper = await scenario.start();
    await shipper.waitForRecords(100);

    const text = await waitForSample(
      shipper,
      'log_sidecar_lines_shipped_total',
      { file: 'app.log' },
      (v) => v === 100,
    );
    const listening = await shipper.waitForLog('metrics endpoint listening');

    expect(sampleValue(text, 'log_sidecar_bytes_shipped_total', { file: 'app.log' })).toBe(
      (await stat(path)).size,
    );
    expect(sampleValue(text, 'log_sidecar_file_lag_bytes', { file: 'app.log' })).toBe(0);
    expect(sampleValue(text, 'log_sidecar_files_followed')).toBe(1);
    expect(sampleValue(text, 'log_sidecar_checkpoint_age_seconds')).toBeLessThan(5);
    expect(sampleValue(text, 'log_sidecar_lines_dropped_total', { reason: 'sink_refused' })).toBe(
      0,
    );
    expect(sampleValue(text, 'log_sidecar_process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(listening).toMatchObject({ host: '127.0.0.1', port: shipper.metricsPort });
  });

  it('should move the long-line counter by exactly 1 for one 1 MiB line', async () => {
    scenario = await Scenario.create();
    const path = join(scenario.logDir, 'app.log');
    await writeFile(path, lines(1, 3));
    const shipper = await scenario.start();
    await shipper.waitForRecords(3);
    const cut = { reason: 'long_line_cut' };
    const before = await waitForSample(
      shipper,
      'log_sidecar_lines_shipped_total',
      { file: 'app.log' },
      (v) => v === 3,
    );

    await appendFile(path, `${'L'.repeat(MIB)}\n`);
    await shipper.waitForRecords(3 + 4);
    const after = await waitForSample(
      shipper,
      'log_sidecar_lines_shipped_total',
      { file: 'app.log' },
      (v) => v === 7,
    );

    expect(sampleValue(before, 'log_sidecar_lines_modified_total', cut)).toBe(0);
    expect(sampleValue(after, 'log_sidecar_lines_modified_total', cut)).toBe(1);
    expect(
      sampleValue(after, 'log_sidecar_lines_modified_total', { reason: 'invalid_utf8_replaced' }),
    ).toBe(0);
  });

  it('should count one retry and one 5xx failure for a 503 followed by success', async () => {
    scenario = await Scenario.create();
    const url = await startServer((attempt) => (attempt === 1 ? 503 : 'accept'));
    await writeFile(join(scenario.logDir, 'app.log'), lines(1, 10));
    const shipper = await scenario.start({ SINK: 'http', SINK_URL: url, ...FAST_RETRIES });

    const text = await waitForSample(
      shipper,
      'log_sidecar_lines_shipped_total',
      { file: 'app.log' },
      (v) => v === 10,
    );

    expect(server!.requests.map((request) => request.reply)).toEqual([503, 'accept']);
    expect(sampleValue(text, 'log_sidecar_sink_retries_total')).toBe(1);
    expect(sampleValue(text, 'log_sidecar_sink_failures_total', { reason: 'status_5xx' })).toBe(1);
    expect(sampleValue(text, 'log_sidecar_sink_failures_total', { reason: 'connection' })).toBe(0);
  });

  it('should count the lines of a batch answered 400 as dropped, not shipped', async () => {
    scenario = await Scenario.create();
    const url = await startServer((attempt) => (attempt === 1 ? 400 : 'accept'));
    await writeFile(join(scenario.logDir, 'app.log'), lines(1, 10));
    const shipper = await scenario.start({ SINK: 'http', SINK_URL: url, ...FAST_RETRIES });

    const dropped = { reason: 'sink_refused' };
    const text = await waitForSample(
      shipper,
      'log_sidecar_lines_dropped_total',
      dropped,
      (v) => v === 10,
    );

    expect(sampleValue(text, 'log_sidecar_sink_failures_total', { reason: 'status_4xx' })).toBe(1);
    expect(sampleValue(text, 'log_sidecar_sink_retries_total')).toBe(0);
    expect(
      sampleValue(text, 'log_sidecar_lines_shipped_total', { file: 'app.log' }),
    ).toBeUndefined();
  });

  it('should show the bytes the sink has not accepted as lag, and 0 once it has', async () => {
    scenario = await Scenario.create();
    let healthy = false;
    const url = await startServer(() => (healthy ? 'accept' : 503));
    const path = join(scenario.logDir, 'app.log');
    await writeFile(path, lines(1, 100));
    const shipper = await scenario.start({ SINK: 'http', SINK_URL: url, ...FAST_RETRIES });
    await shipper.waitForLog('sink did not accept the batch');
    await shipper.waitForLog('metrics endpoint listening');

    const behind = await shipper.scrape();
    healthy = true;
    const file = { file: 'app.log' };
    await waitForSample(shipper, 'log_sidecar_lines_shipped_total', file, (v) => v === 100);
    // A scrape is not atomic: only one that starts after the delivery was counted sees it all.
    const caughtUp = await shipper.scrape();

    expect(sampleValue(behind, 'log_sidecar_file_lag_bytes', file)).toBe((await stat(path)).size);
    expect(sampleValue(caughtUp, 'log_sidecar_file_lag_bytes', file)).toBe(0);
  });

  it('should count a file rotated out of LOG_GLOB under the name it was found by', async () => {
    scenario = await Scenario.create();
    const path = join(scenario.logDir, 'app.log');
    await writeFile(path, lines(1, 10));
    const shipper = await scenario.start();
    await shipper.waitForRecords(10);

    await rename(path, `${path}.1`);
    await appendFile(`${path}.1`, lines(11, 15));
    await writeFile(path, lines(16, 20));
    await shipper.waitForRecords(20);
    const text = await waitForSample(
      shipper,
      'log_sidecar_lines_shipped_total',
      { file: 'app.log' },
      (v) => v === 20,
    );

    expect(labelValues(text, 'log_sidecar_lines_shipped_total', 'file')).toEqual(['app.log']);
  });

  it('should start no metrics server with ONCE=true', async () => {
    scenario = await Scenario.create();
    await writeFile(join(scenario.logDir, 'app.log'), lines(1, 5));
    const shipper = await scenario.start({ ONCE: 'true' });

    const exit = await shipper.exited;

    expect(exit.code).toBe(0);
    expect(shipper.records()).toHaveLength(5);
    expect(shipper.logs().map((log) => log.msg)).not.toContain('metrics endpoint listening');
  });
});
