import { afterEach, describe, expect, it } from 'vitest';

import { pacedRequests } from './support/load.js';
import { TestPod } from './support/test-pod.js';
import { sleep } from '../../test-support/wait.js';

const SEQUENCE = /"reqId":"seq-(\d+)"/;
const SHIPPED_SEQUENCE = /\breqId=seq-(\d+)\b/;

function sequences(lines: string[], pattern: RegExp): number[] {
  return lines.flatMap((line) => {
    const match = pattern.exec(line);
    return match ? [Number(match[1])] : [];
  });
}

describe('pod: stopped while web logs 100 lines/s', () => {
  let pod: TestPod | undefined;

  afterEach(async () => {
    await pod?.close();
    pod = undefined;
  });

  it('should ship every line web logged, up to the last sequence number, once each', async () => {
    pod = await TestPod.start({ secret: { secret: 'seq' } });
    const started = pod;

    const requests = pacedRequests({
      port: started.port,
      perSecond: 100,
      requestId: (n) => `seq-${n}`,
    });
    await sleep(1500);
    const clean = await started.stop();
    const sentBeforeStop = requests.sent;
    await sleep(200);
    const answers = await requests.stop();

    const logged = sequences(await started.logFileLines(), SEQUENCE);
    const shipped = sequences(started.shipped(), SHIPPED_SEQUENCE);
    const answered = [...answers]
      .filter(([, answer]) => answer.status === 200)
      .map(([id]) => Number(id.slice('seq-'.length)));
    const lastLogged = Math.max(...logged);
    const lastShipped = Math.max(...shipped);
    console.log(
      `stop while logging: ${sentBeforeStop} sent before the pod stopped, ${answered.length} ` +
        `answered, last logged seq-${lastLogged}, last shipped seq-${lastShipped}`,
    );

    expect(clean).toBe(true);
    expect(answered.length).toBeGreaterThan(100);
    // Requests were still being sent when web closed its listener.
    expect([...answers.values()].some((answer) => answer.error === 'ECONNREFUSED')).toBe(true);
    expect(lastShipped).toBe(lastLogged);
    expect(shipped).toEqual(logged);
    expect(new Set(logged).size).toBe(logged.length);
    expect(answered.filter((n) => !logged.includes(n))).toEqual([]);
  });
});
