import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { freePort } from '../../test-support/free-port.js';
import { answers, runNode, startNode, waitFor, type Started } from './support/child.js';
import { CONTAINERS } from './support/repo.js';
import {
  copiesFromBuildStage,
  layOutRuntime,
  type RuntimeLayout,
} from './support/runtime-layout.js';

// The images hold production dependencies only: a module that a service imports but that
// sits in devDependencies would pass every package test and break only in the image. These
// tests start each entry point from the image's file layout, built without an engine.

const started: Started[] = [];
const layouts: RuntimeLayout[] = [];

afterEach(async () => {
  await Promise.all(started.splice(0).map((child) => child.stop()));
  await Promise.all(layouts.splice(0).map((layout) => layout.remove()));
});

async function layOut(name: (typeof CONTAINERS)[number]): Promise<RuntimeLayout> {
  const layout = await layOutRuntime(name);
  layouts.push(layout);
  return layout;
}

async function start(layout: RuntimeLayout, env: NodeJS.ProcessEnv): Promise<Started> {
  const child = startNode('dist/main.js', layout.workDir, {
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    // Each process also serves /metrics, on a fixed default port: give it a free one.
    METRICS_HOST: '127.0.0.1',
    METRICS_PORT: String(await freePort()),
    ...env,
  });
  started.push(child);
  return child;
}

describe('runtime image layout', () => {
  it.each(CONTAINERS)('should copy only common/dist and %s/dist from the build stage', (name) => {
    expect(copiesFromBuildStage(name)).toEqual(['common/dist', `${name}/dist`]);
  });

  it('should start web and stop it with SIGTERM, exit code 0', async () => {
    const layout = await layOut('web');
    const port = await freePort();
    const web = await start(layout, {
      HOST: '127.0.0.1',
      PORT: String(port),
      // Nothing listens there: liveness does not depend on Redis.
      REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
    });

    await waitFor(() => answers(`http://127.0.0.1:${port}/healthz`, 200), 10_000, web);

    expect(await web.stop()).toBe(0);
  }, 90_000);

  it('should seed Redis in secret-sidecar and pass the compose healthcheck', async () => {
    const layout = await layOut('secret-sidecar');
    const secretDir = join(layout.scratchDir, 'secret');
    await mkdir(secretDir);
    await writeFile(join(secretDir, 'secret'), 'foobar');
    const healthPort = String(await freePort());
    const sidecar = await start(layout, {
      SECRET_DIR: secretDir,
      WEB_REDIS_PASSWORD: 'layout-test-password',
      REDIS_PORT: String(await freePort()),
      HEALTH_HOST: '127.0.0.1',
      HEALTH_PORT: healthPort,
      TMPDIR: layout.scratchDir,
    });
    const probe = () =>
      runNode('dist/healthcheck.js', layout.workDir, {
        PATH: process.env.PATH,
        HEALTH_PORT: healthPort,
      });

    await waitFor(() => probe() === 0, 15_000, sidecar);

    expect(await sidecar.stop()).toBe(0);
  }, 90_000);

  it('should start log-sidecar on its state and log folders', async () => {
    const layout = await layOut('log-sidecar');
    const logDir = join(layout.scratchDir, 'logs');
    const stateDir = join(layout.scratchDir, 'state');
    await mkdir(logDir);
    await mkdir(stateDir);
    const port = await freePort();
    const sidecar = await start(layout, {
      LOG_DIR: logDir,
      STATE_DIR: stateDir,
      HEALTH_HOST: '127.0.0.1',
      HEALTH_PORT: String(port),
    });

    await waitFor(() => answers(`http://127.0.0.1:${port}/healthz`, 200), 10_000, sidecar);

    expect(await sidecar.stop()).toBe(0);
  }, 90_000);
});
