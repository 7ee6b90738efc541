import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: this file runs from runner/dist/. */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function entryPoint(containerName: string): string {
  return join(repoRoot, containerName, 'dist', 'main.js');
}
