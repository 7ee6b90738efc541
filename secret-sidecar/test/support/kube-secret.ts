import { lstat, mkdir, readdir, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export type SecretFiles = Record<string, string | Buffer>;

let versions = 0;

/**
 * Publishes one version of a Secret volume the way kubelet's AtomicWriter does
 * (pkg/volume/util/atomic_writer.go): write a new `..<timestamp>` directory, point
 * `..data_tmp` at it, rename it over `..data`, add visible symlinks `name -> ..data/name`
 * for new names, remove the visible symlinks of names that are gone, and remove the
 * previous version's directory.
 */
export async function publishSecret(dir: string, files: SecretFiles): Promise<void> {
  await mkdir(dir, { recursive: true });
  versions += 1;
  const stamp = new Date().toISOString().replace(/[-:T]/g, '_').replace('Z', '');
  const version = `..${stamp}${String(versions).padStart(6, '0')}`;

  await mkdir(join(dir, version), { mode: 0o755 });
  for (const [name, content] of Object.entries(files)) {
    await writeFile(join(dir, version, name), content, { mode: 0o644 });
  }

  const previous = await readlink(join(dir, '..data')).catch(() => undefined);
  await symlink(version, join(dir, '..data_tmp'));
  await rename(join(dir, '..data_tmp'), join(dir, '..data'));

  for (const name of Object.keys(files)) {
    const exists = await lstat(join(dir, name)).then(
      () => true,
      () => false,
    );
    if (!exists) await symlink(join('..data', name), join(dir, name));
  }
  for (const name of await readdir(dir)) {
    if (name.startsWith('.') || name in files) continue;
    await rm(join(dir, name));
  }
  if (previous) await rm(join(dir, previous), { recursive: true, force: true });
}
