import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { loadConfig } from '../src/config.js';
import { VARIABLES } from '../src/help.js';
import { tempDirs, type TempDirs } from './support/log-files.js';
import { MAIN } from './support/shipper-process.js';

/** With SINK=http every variable loadConfig knows is read. */
const HTTP_SINK = { SINK: 'http', SINK_URL: 'http://127.0.0.1:1/ingest' };

describe('log-sidecar --help', () => {
  let dirs: TempDirs | undefined;

  afterEach(async () => {
    await dirs?.remove();
    dirs = undefined;
  });

  it('should print every variable and an example, exit 0 and start nothing', async () => {
    dirs = await tempDirs();
    const child = spawn(process.execPath, [MAIN, '--help'], {
      env: { PATH: process.env.PATH ?? '', STATE_DIR: dirs.stateDir, HEALTH_HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const [code] = (await once(child, 'exit')) as [number];

    expect(code).toBe(0);
    expect(stderr).toBe('');
    for (const variable of VARIABLES) expect(stdout).toContain(`  ${variable.name}`);
    expect(stdout).toContain('LOG_DIR=/var/log/app');
    expect(stdout).toContain('Example:');
    expect(existsSync(join(dirs.stateDir))).toBe(false);
  });

  it('should list exactly the variables the configuration reads', () => {
    const read = new Set<string>();
    const env = new Proxy(HTTP_SINK as Record<string, string | undefined>, {
      get: (target, name: string) => {
        read.add(name);
        return target[name];
      },
    });

    loadConfig(env);

    expect(VARIABLES.map((variable) => variable.name).sort()).toEqual([...read].sort());
  });

  it('should give the defaults the configuration applies', () => {
    const documented = Object.fromEntries(
      VARIABLES.filter(
        (variable) => variable.fallback !== undefined && !(variable.name in HTTP_SINK),
      ).map((variable) => [variable.name, variable.fallback]),
    );

    expect(loadConfig({ ...documented, ...HTTP_SINK })).toEqual(loadConfig(HTTP_SINK));
  });
});
