import { afterEach, describe, expect, it } from 'vitest';

import { runClients } from './support/load.js';
import { sentence } from './support/sentence.js';
import { TestPod } from './support/test-pod.js';
import { sleep } from '../../test-support/wait.js';

// Values of different lengths, so that a body cut short or mixed from two values
// cannot pass for either.
const VALUES = ['first', `second ${'x'.repeat(300)}`, 'third: ünïcødé & "quotes"', '4'];
const ROTATE_EVERY_MS = 1500;
const SERVED_WITHIN_MS = 1000;

interface Swap {
  value: string;
  /** When the new version started to be written, and when `..data` pointed to it. */
  writeStartedAt: number;
  swappedAt: number;
}

describe('pod: Secret rotation end to end', () => {
  let pod: TestPod | undefined;

  afterEach(async () => {
    await pod?.close();
    pod = undefined;
  });

  it('should serve each new value within 1 s of the swap and only whole sentences', async () => {
    pod = await TestPod.start({ secret: { secret: VALUES[0]! } });
    const started = pod;
    const swaps: Swap[] = [{ value: VALUES[0]!, writeStartedAt: 0, swappedAt: 0 }];

    const reader = runClients({
      port: started.port,
      clients: 4,
      durationMs: ROTATE_EVERY_MS * VALUES.length,
    });
    for (const value of VALUES.slice(1)) {
      await sleep(ROTATE_EVERY_MS);
      const writeStartedAt = Date.now();
      await started.secret.write({ secret: value });
      swaps.push({ value, writeStartedAt, swappedAt: Date.now() });
    }
    const answers = await reader;

    // A value is current from the start of its write until the next value has had
    // its 1 s to arrive.
    const currentDuring = (index: number): { from: number; to: number } => ({
      from: swaps[index]!.writeStartedAt,
      to: (swaps[index + 1]?.swappedAt ?? Infinity) + SERVED_WITHIN_MS,
    });
    const wrong = answers.filter((answer) => {
      const index = swaps.findIndex((swap) =>
        answer.body.equals(Buffer.from(sentence(swap.value))),
      );
      if (answer.status !== 200 || index === -1) return true;
      const { from, to } = currentDuring(index);
      return answer.endedAt < from || answer.startedAt > to;
    });
    const latencies = swaps.slice(1).map((swap) => {
      const body = Buffer.from(sentence(swap.value));
      const first = answers.find((answer) => answer.body.equals(body));
      return first ? first.endedAt - swap.swappedAt : Infinity;
    });
    console.log(
      `rotation: ${answers.length} answers; new value served ${latencies.join(', ')} ms ` +
        'after each swap',
    );

    expect(answers.length).toBeGreaterThan(1000);
    expect(
      wrong.map((answer) => ({ status: answer.status, body: answer.body.toString('utf8') })),
    ).toEqual([]);
    for (const latency of latencies) expect(latency).toBeLessThanOrEqual(SERVED_WITHIN_MS);
    expect(answers.at(-1)!.body.toString('utf8')).toBe(sentence(VALUES.at(-1)!));
  });
});
