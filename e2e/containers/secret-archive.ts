import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';

import { writeSecretLayout, type SecretFiles } from '../src/secret-layout.js';

/**
 * A tar archive, to extract at `/`, holding a Secret volume layout at `mountPath`. tar keeps
 * the `..data` and visible-name symlinks as symlinks, which a file-by-file copy would not.
 * The archive is a file: a child process's stdout handed to the engine arrived empty.
 */
export interface SecretArchive {
  readonly tar: Readable;
  close(): Promise<void>;
}

export async function secretArchive(mountPath: string, files: SecretFiles): Promise<SecretArchive> {
  const root = await mkdtemp(join(tmpdir(), 'secret-archive-'));
  const relative = mountPath.replace(/^\/+/, '');
  await writeSecretLayout(join(root, 'tree', relative), files);

  const file = join(root, 'secret.tar');
  await promisify(execFile)('tar', [
    '-C',
    join(root, 'tree'),
    '--numeric-owner',
    '--owner=0',
    '--group=0',
    '-cf',
    file,
    relative,
  ]);
  return {
    tar: createReadStream(file),
    close: () => rm(root, { recursive: true, force: true }),
  };
}
