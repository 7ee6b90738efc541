import { spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  commandOf,
  copyPaths,
  copySource,
  instructionsOf,
  loadDockerfile,
  stageNamed,
} from './dockerfiles.js';
import { repoPath, type ContainerName } from './repo.js';

export interface RuntimeLayout {
  /** What the runtime stage holds under /app. */
  appDir: string;
  /** The image's WORKDIR: the package folder that `node dist/main.js` runs in. */
  workDir: string;
  /** A scratch folder beside it for the test's own files. */
  scratchDir: string;
  remove(): Promise<void>;
}

/**
 * Lays out a container's /app as its Dockerfile builds it, without a container engine:
 * the prod-deps stage's COPY lines and its own `npm ci` command, run in a temp folder,
 * then the compiled dist/ folders that the runtime stage copies from the build stage
 * (taken from this checkout's `npm run build`). Only what the image would hold is there.
 */
export async function layOutRuntime(name: ContainerName): Promise<RuntimeLayout> {
  const root = await mkdtemp(join(tmpdir(), `sidecar-pod-${name}-image-`));
  const appDir = join(root, 'app');
  const scratchDir = join(root, 'scratch');
  const remove = () => rm(root, { recursive: true, force: true });

  try {
    await mkdir(scratchDir);
    const prodDeps = stageNamed(loadDockerfile(name), 'prod-deps');
    for (const copy of instructionsOf(prodDeps, 'COPY')) {
      const { sources, destination } = copyPaths(copy);
      for (const source of sources) {
        const target = destination.endsWith('/')
          ? join(appDir, destination, source.split('/').at(-1)!)
          : join(appDir, destination);
        await cp(repoPath(source), target, { recursive: true });
      }
    }

    for (const run of instructionsOf(prodDeps, 'RUN')) await runInstall(commandOf(run), appDir);

    for (const pkg of ['common', name]) {
      await cp(repoPath(pkg, 'dist'), join(appDir, pkg, 'dist'), { recursive: true });
    }
  } catch (error) {
    await remove();
    throw error;
  }
  return { appDir, workDir: join(appDir, name), scratchDir, remove };
}

/** Runs a RUN line's npm ci here; `HOME=/root` is the image's root home, not this user's. */
function runInstall(command: string, cwd: string): Promise<void> {
  const line = command.replace(/^HOME=\/root /, '');
  if (!/^npm ci /.test(line)) throw new Error(`unexpected prod-deps step: ${command}`);

  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', line], {
      cwd,
      // The tarballs are in the cache of the checkout's own `npm ci`.
      env: { ...process.env, npm_config_prefer_offline: 'true', npm_config_loglevel: 'error' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${line} exited with ${code}: ${stderr.trim()}`));
    });
  });
}

export function copiesFromBuildStage(name: ContainerName): string[] {
  const runtime = loadDockerfile(name).stages.at(-1)!;
  return instructionsOf(runtime, 'COPY')
    .filter((copy) => copySource(copy) === 'build')
    .map((copy) => copyPaths(copy).destination);
}
