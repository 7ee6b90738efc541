import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the build context of every image and the compose project folder. */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

export function repoPath(...parts: string[]): string {
  return join(repoRoot, ...parts);
}

export function readRepoFile(...parts: string[]): string {
  return readFileSync(repoPath(...parts), 'utf8');
}

/** The image of each container, and the workspace package its code comes from. */
export const CONTAINERS = ['web', 'secret-sidecar', 'log-sidecar'] as const;
export type ContainerName = (typeof CONTAINERS)[number];

/** The release every image tag and `app.kubernetes.io/version` label must name. */
export const RELEASE = '0.1.0';

/** The numeric uid:gid the images run as, and the pod's securityContext names. */
export const RUNTIME_UID = 10001;
