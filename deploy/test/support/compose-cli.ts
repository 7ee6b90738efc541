import { spawnSync } from 'node:child_process';

import { parse } from 'yaml';

import type { ComposeFile } from './compose.js';
import { repoPath } from './repo.js';

/** A Compose implementation on this machine, as users run it. */
export interface ComposeCli {
  name: string;
  command: string;
  args: string[];
}

const CANDIDATES: ComposeCli[] = [
  { name: 'docker-compose', command: 'docker-compose', args: [] },
  { name: 'docker compose', command: 'docker', args: ['compose'] },
];

/** Every Compose CLI that answers `version`: docker-compose 1.x, the docker compose plugin. */
export function findComposeClis(): ComposeCli[] {
  return CANDIDATES.filter((cli) => {
    const result = spawnSync(cli.command, [...cli.args, 'version'], {
      encoding: 'utf8',
      timeout: 15_000,
    });
    return result.status === 0 && /compose/i.test(result.stdout);
  });
}

export interface ConfigRun {
  /** Compose files after docker-compose.yml, in order. */
  overrides?: string[];
  /** The only .env file read (so that a developer's own .env cannot change the result). */
  envFile: string;
  /** Variables of the shell that runs compose, besides PATH and HOME. */
  env?: Record<string, string>;
}

/**
 * `compose config` on docker-compose.yml: the file after interpolation and merging, as
 * `up` would use it. Needs no container engine. Compose writes a literal `$` as `$$` in
 * this output (so that it reads back as a compose file): `labels.canary` of secret-sidecar,
 * set to `a$$b` (the text `a$b`) by the caller's override, tells whether this one does.
 */
export function composeConfig(cli: ComposeCli, run: ConfigRun): ComposeFile {
  const files = [repoPath('docker-compose.yml'), ...(run.overrides ?? [])];
  const args = [...cli.args, '--env-file', run.envFile, ...files.flatMap((f) => ['-f', f])];
  const result = spawnSync(cli.command, [...args, 'config'], {
    cwd: repoPath(),
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...run.env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (result.status !== 0) {
    throw new Error(`${cli.name} config exited with ${result.status}: ${result.stderr.trim()}`);
  }

  const config = parse(result.stdout) as ComposeFile & {
    services: Record<string, { labels?: Record<string, string> }>;
  };
  const canary = config.services['secret-sidecar']?.labels?.canary;
  if (canary !== 'a$$b' && canary !== 'a$b') {
    throw new Error(`${cli.name} config: the canary label reads ${JSON.stringify(canary)}`);
  }
  return canary === 'a$$b' ? unescapeDollars(config) : config;
}

function unescapeDollars<T>(node: T): T {
  if (typeof node === 'string') return node.replaceAll('$$', '$') as T;
  if (Array.isArray(node)) return node.map(unescapeDollars) as T;
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node).map(([key, value]) => [key, unescapeDollars(value)]),
  ) as T;
}
