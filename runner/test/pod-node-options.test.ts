import { readFile } from 'node:fs/promises';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { nodeOptionsFor } from '../src/local-pod.js';
import { TestPod } from './support/test-pod.js';

async function environOf(pid: number): Promise<Map<string, string>> {
  const raw = await readFile(`/proc/${pid}/environ`, 'utf8');
  const pairs = raw.split('\0').filter(Boolean);
  return new Map(
    pairs.map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
  );
}

describe('pod: Node flags of the images', () => {
  let pod: TestPod;

  beforeAll(async () => {
    pod = await TestPod.start({ secret: { secret: 'foobar' } });
  });

  afterAll(async () => {
    await pod?.close();
  });

  it('should start web with the young-generation size its image sets', async () => {
    const env = await environOf(pod.pidOf('web'));

    expect(env.get('NODE_OPTIONS')).toBe('--max-semi-space-size=4');
  });

  it('should leave the sidecars on Node defaults', async () => {
    for (const name of ['secret-sidecar', 'log-sidecar'] as const) {
      const env = await environOf(pod.pidOf(name));

      expect(env.has('NODE_OPTIONS')).toBe(false);
    }
  });
});

describe('nodeOptionsFor', () => {
  it('should keep inherited NODE_OPTIONS and add the image flags after them', () => {
    expect(nodeOptionsFor('web', '--trace-warnings')).toBe(
      '--trace-warnings --max-semi-space-size=4',
    );
    expect(nodeOptionsFor('web', undefined)).toBe('--max-semi-space-size=4');
    expect(nodeOptionsFor('log-sidecar', '--trace-warnings')).toBe('--trace-warnings');
    expect(nodeOptionsFor('log-sidecar', undefined)).toBeUndefined();
  });
});
