import { existsSync, statSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { leftOutOfContext } from './support/build-context.js';
import { loadComposeText, parseCompose } from './support/compose.js';
import {
  commandOf,
  copyPaths,
  copySource,
  instructionsOf,
  loadDockerfile,
  mountsOf,
  stageNamed,
  type ParsedDockerfile,
} from './support/dockerfiles.js';
import { CONTAINERS, repoPath, RUNTIME_UID, type ContainerName } from './support/repo.js';

// name:x.y.z with an optional variant suffix (`-bookworm-slim`): a release, not a moving tag.
const PINNED_IMAGE = /^[a-z0-9][a-z0-9./-]*:\d+\.\d+\.\d+(-[a-z0-9][a-z0-9.-]*)?$/;

const dockerfiles = Object.fromEntries(
  CONTAINERS.map((name) => [name, loadDockerfile(name)]),
) as Record<ContainerName, ParsedDockerfile>;

const isLeftOut = leftOutOfContext();

function runtimeStage(name: ContainerName) {
  return dockerfiles[name].stages.at(-1)!;
}

describe('Dockerfiles: base images', () => {
  it.each(CONTAINERS)('should take every base of %s from an ARG with a pinned default', (name) => {
    const { globalArgs, stages } = dockerfiles[name];
    const stageNames = new Set<string>();

    for (const stage of stages) {
      const arg = /^\$\{(\w+)\}$/.exec(stage.base)?.[1];

      if (arg) {
        expect(globalArgs.get(arg), `default of ARG ${arg}`).toMatch(PINNED_IMAGE);
      } else {
        expect(stageNames, `FROM ${stage.base}`).toContain(stage.base);
      }
      if (stage.name) stageNames.add(stage.name);
    }
  });

  it('should build all three images on the same Node.js release', () => {
    const nodeImages = new Set(
      CONTAINERS.map((name) => dockerfiles[name].globalArgs.get('NODE_IMAGE')),
    );

    expect(nodeImages.size).toBe(1);
    expect([...nodeImages][0]).toMatch(/^node:\d+\.\d+\.\d+-bookworm-slim$/);
  });

  it('should take redis-server for secret-sidecar from the REDIS_IMAGE stage', () => {
    const dockerfile = dockerfiles['secret-sidecar'];
    const redisStage = dockerfile.stages.find((stage) => stage.base === '${REDIS_IMAGE}');
    const copies = instructionsOf(runtimeStage('secret-sidecar'), 'COPY')
      .filter((copy) => copySource(copy) === redisStage?.name)
      .map((copy) => copyPaths(copy).destination);

    expect(dockerfile.globalArgs.get('REDIS_IMAGE')).toMatch(/^redis:7\.4\.\d+-bookworm$/);
    expect(copies).toContain('/usr/local/bin/redis-server');
  });
});

describe('Dockerfiles: the runtime stage', () => {
  it.each(CONTAINERS)('should run %s as the non-root numeric user 10001:10001', (name) => {
    const users = instructionsOf(runtimeStage(name), 'USER').map(commandOf);

    expect(users.at(-1)).toBe(`${RUNTIME_UID}:${RUNTIME_UID}`);
  });

  it.each(CONTAINERS)('should start %s in exec form: node dist/main.js in its package', (name) => {
    const stage = runtimeStage(name);
    const commands = instructionsOf(stage, 'CMD').map((cmd) => JSON.parse(commandOf(cmd)));

    expect(stage.name).toBe('runtime');
    expect(commands).toEqual([['node', 'dist/main.js']]);
    expect(instructionsOf(stage, 'ENTRYPOINT')).toEqual([]);
    expect(instructionsOf(stage, 'WORKDIR').map(commandOf).at(-1)).toBe(`/app/${name}`);
  });

  it.each(CONTAINERS)('should copy into the %s runtime stage only built stages', (name) => {
    const stage = runtimeStage(name);
    const fromContext = instructionsOf(stage, 'COPY').filter((copy) => !copySource(copy));

    expect(fromContext.map(commandOf)).toEqual([]);
    expect(instructionsOf(stage, 'ADD')).toEqual([]);
  });

  it.each(CONTAINERS)('should leave npm out of the %s runtime image', (name) => {
    const runs = instructionsOf(runtimeStage(name), 'RUN').map(commandOf).join('\n');

    expect(runs).toContain('rm -rf /usr/local/lib/node_modules/npm');
    expect(runs).toContain('/usr/local/bin/npx');
  });

  it.each(CONTAINERS)("should create %s's compose volume folders owned by uid 10001", (name) => {
    const service = parseCompose(loadComposeText()).services[name]!;
    const folders = (service.volumes ?? []).map((volume) => volume.split(':')[1]!);
    const runs = instructionsOf(runtimeStage(name), 'RUN').map(commandOf).join('\n');

    for (const folder of folders) {
      expect(runs).toMatch(new RegExp(`chown ${RUNTIME_UID}:${RUNTIME_UID} [^&]*${folder}`));
    }
  });
});

describe('Dockerfiles: dependencies', () => {
  it.each(CONTAINERS)('should npm ci %s with the registry settings from build secrets', (name) => {
    const runs = dockerfiles[name].stages.flatMap((stage) => instructionsOf(stage, 'RUN'));
    const installs = runs.filter((run) => /\bnpm (ci|install|i)\b/.test(commandOf(run)));

    expect(installs.length).toBeGreaterThan(0);
    for (const run of installs) {
      const secrets = mountsOf(run).filter((mount) => mount.type === 'secret');

      expect(commandOf(run)).toMatch(/\bnpm ci\b/);
      expect(secrets).toEqual([
        { type: 'secret', id: 'npmrc', target: '/root/.npmrc' },
        { type: 'secret', id: 'npm-ca' },
      ]);
    }
  });

  it.each(CONTAINERS)('should install only production dependencies for %s at run time', (name) => {
    const install = instructionsOf(stageNamed(dockerfiles[name], 'prod-deps'), 'RUN').map(
      commandOf,
    );

    expect(install).toHaveLength(1);
    expect(install[0]).toMatch(/npm ci --omit=dev /);
    expect(install[0]).toMatch(new RegExp(`-w common -w ${name}$`));
  });

  it.each(CONTAINERS)('should compile common and %s in the build stage', (name) => {
    const runs = instructionsOf(stageNamed(dockerfiles[name], 'build'), 'RUN').map(commandOf);

    expect(runs).toContain(`node_modules/.bin/tsc -b common ${name}`);
  });
});

describe('Dockerfiles: the build context', () => {
  it.each(CONTAINERS)('should copy into %s only paths that exist and reach the context', (name) => {
    const copies = dockerfiles[name].stages
      .flatMap((stage) => instructionsOf(stage, 'COPY'))
      .filter((copy) => !copySource(copy));

    for (const copy of copies) {
      for (const source of copyPaths(copy).sources) {
        const path = repoPath(source);

        expect(existsSync(path), `${source} exists`).toBe(true);
        expect(isLeftOut(source), `${source} is in the context`).toBe(false);
        if (statSync(path).isDirectory()) {
          expect(isLeftOut(`${source}/main.ts`), `${source}/* is in the context`).toBe(false);
        }
      }
    }
  });

  it.each([
    'node_modules/express/index.js',
    'web/node_modules/.bin/tsc',
    'web/dist/main.js',
    'common/dist/index.js',
    '.git/HEAD',
    '.run/pod.log',
    'web.log',
    'web/src/debug.log',
    'compose/secret.sample',
    'compose/real.secret',
    'k8s/secret.yaml',
    'secret-sidecar/sample-secret/secret',
    '.env',
    'web/test/app.test.ts',
  ])('should keep %s out of the build context', (path) => {
    expect(isLeftOut(path)).toBe(true);
  });
});
