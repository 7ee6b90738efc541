import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { httpGet, type Answer } from '../../test-support/http-get.js';
import { sentence } from './support/sentence.js';
import { TestPod } from './support/test-pod.js';
import { waitFor } from '../../test-support/wait.js';

// Each value starts and ends with a token found nowhere else, so that a value cut
// short or re-encoded in a log line is still caught; in between, every character
// a shell, a config parser or a JSON writer could trip over.
const FIRST = `-PFX7QW "double" 'single' $HOME & *.txt #hash grüße 秘密 🔑 SFX9ZK`;
const SECOND = `-PFX4RT ${'`'}id${'`'} $(x) && * ## naïve ✓ \\n tab\tend SFX2MV`;

/** The forms in which a leaked value could show up in text. */
function leakForms(value: string): string[] {
  return [
    value,
    JSON.stringify(value).slice(1, -1),
    encodeURIComponent(value),
    Buffer.from(value).toString('base64'),
    value.slice(0, 7),
    value.slice(-6),
  ];
}

interface Exchange {
  label: string;
  answer: Answer;
}

describe('pod: the secret value stays secret', () => {
  let pod: TestPod | undefined;

  afterEach(async () => {
    await pod?.close();
    pod = undefined;
  });

  it('should serve the exact value and show it nowhere else', async () => {
    pod = await TestPod.start({ secret: { secret: FIRST } });
    const started = pod;
    const exchanges: Exchange[] = [];
    const call = async (label: string, port: number, path: string, method = 'GET') => {
      const answer = await httpGet(port, path, { method });
      exchanges.push({ label, answer });
      return answer;
    };
    const exercise = async (phase: string): Promise<void> => {
      await call(`${phase} HEAD /`, started.port, '/', 'HEAD');
      await call(`${phase} GET /?q=1`, started.port, '/?q=1');
      await call(`${phase} GET /readyz`, started.port, '/readyz');
      await call(`${phase} GET /healthz`, started.port, '/healthz');
      await call(`${phase} GET /nope`, started.port, '/nope');
      await call(`${phase} POST /`, started.port, '/', 'POST');
      await call(`${phase} DELETE /healthz`, started.port, '/healthz', 'DELETE');
      await call(`${phase} GET /%`, started.port, '/%');
      await call(`${phase} GET /%E0%A4%A`, started.port, '/%E0%A4%A');
      await call(`${phase} secret-sidecar /readyz`, started.secretHealthPort, '/readyz');
      await call(`${phase} secret-sidecar /healthz`, started.secretHealthPort, '/healthz');
      await call(`${phase} log-sidecar /readyz`, started.logHealthPort, '/readyz');
      for (const [name, port] of Object.entries(started.metricsPorts)) {
        await call(`${phase} ${name} /metrics`, port, '/metrics');
      }
    };
    const servesValue = async (value: string): Promise<boolean> => {
      const answer = await call('GET /', started.port, '/');
      return answer.status === 200 && answer.body.equals(Buffer.from(sentence(value)));
    };

    expect(await servesValue(FIRST)).toBe(true);
    await exercise('first');

    await started.secret.write({ secret: SECOND });
    await waitFor('the rotated value to be served', () => servesValue(SECOND), 5000);
    await exercise('rotated');

    const killedAt = Date.now();
    process.kill(await started.redisPid(), 'SIGKILL');
    await exercise('redis down');
    await started.waitForLine(
      'the secret sidecar to seed the new Redis',
      (line) => line.text.includes('Secret seeded into Redis'),
      { since: killedAt },
    );
    await waitFor('the value after the Redis restart', () => servesValue(SECOND), 5000);
    await exercise('redis back');
    expect(await started.stop()).toBe(true);

    const logDir = join(started.runDir, 'logs');
    const files = await readdir(logDir);
    const texts: Array<{ where: string; text: string }> = [
      ...started.lines.map((line) => ({ where: 'output', text: line.raw })),
      ...(await Promise.all(
        files.map(async (file) => ({
          where: file,
          text: await readFile(join(logDir, file), 'utf8'),
        })),
      )),
    ];
    const greetings = [sentence(FIRST), sentence(SECOND)];
    for (const { label, answer } of exchanges) {
      for (const [name, value] of Object.entries(answer.headers)) {
        texts.push({ where: `${label} header ${name}`, text: `${name}: ${String(value)}` });
      }
      // GET / is meant to show the value: only the exact sentence is exempt from the scan.
      const body = answer.body.toString('utf8');
      if (!greetings.includes(body)) texts.push({ where: `${label} body`, text: body });
    }
    const leaks = [FIRST, SECOND].flatMap((value) =>
      leakForms(value).flatMap((form) =>
        texts.filter(({ text }) => text.includes(form)).map(({ where }) => `${where}: ${form}`),
      ),
    );
    const statuses = Object.fromEntries(
      exchanges.map(({ label, answer }) => [label, answer.status]),
    );

    expect(leaks).toEqual([]);
    expect(files).toEqual(['web.log']);
    expect(started.lines.length).toBeGreaterThan(50);
    expect(statuses).toMatchObject({
      'first GET /nope': 404,
      'first POST /': 405,
      'first GET /%': 400,
      'first GET /%E0%A4%A': 400,
      'first web /metrics': 200,
      'first secret-sidecar /metrics': 200,
      'first log-sidecar /metrics': 200,
      'redis back GET /readyz': 200,
    });
  });
});
