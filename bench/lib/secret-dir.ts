import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A directory laid out as the kubelet lays out a Secret volume, and updated as
 * it updates one: a new hidden timestamped directory, then an atomic swap of
 * the `..data` symlink.
 */
export class SecretDir {
  private generation = 0;

  private constructor(readonly path: string) {}

  static async create(values: Record<string, string>): Promise<SecretDir> {
    const dir = new SecretDir(await mkdtemp(join(tmpdir(), 'sidecar-pod-secret-')));
    await dir.write(values);
    for (const key of Object.keys(values)) await symlink(join('..data', key), join(dir.path, key));
    return dir;
  }

  async write(values: Record<string, string>): Promise<void> {
    this.generation += 1;
    const hidden = `..gen_${Date.now()}_${this.generation}`;
    await mkdir(join(this.path, hidden));
    for (const [key, value] of Object.entries(values)) {
      await writeFile(join(this.path, hidden, key), value);
    }

    await symlink(hidden, join(this.path, '..data_tmp'));
    await rename(join(this.path, '..data_tmp'), join(this.path, '..data'));
  }

  async remove(): Promise<void> {
    await rm(this.path, { recursive: true, force: true });
  }
}
