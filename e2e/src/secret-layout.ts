import {
  chmod,
  chown,
  mkdir,
  readdir,
  readFile,
  readlink,
  rename,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Writes and rotates a directory laid out like a Kubernetes Secret volume, as the kubelet's
 * AtomicWriter does: the files live in a timestamped `..<time>` directory, `..data` is a
 * symlink to it, and each visible name is a symlink through `..data`. Rotation writes a new
 * timestamped directory and swaps `..data` with one rename(2), so a reader never sees a mix.
 */
export type SecretFiles = Readonly<Record<string, string | Buffer>>;

/** Owner group and mode of the files, as the kubelet sets them from defaultMode and fsGroup. */
export interface SecretFileMode {
  readonly mode: number;
  readonly gid?: number | undefined;
}

const DATA_LINK = '..data';
const DEFAULT_FILE_MODE: SecretFileMode = { mode: 0o644 };

export async function writeSecretLayout(
  dir: string,
  files: SecretFiles,
  fileMode: SecretFileMode = DEFAULT_FILE_MODE,
): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o755 });
  await rotateSecretLayout(dir, files, fileMode);
}

/** Without `fileMode`, the new files take the mode and group of the current ones. */
export async function rotateSecretLayout(
  dir: string,
  files: SecretFiles,
  fileMode?: SecretFileMode,
): Promise<string> {
  const previous = await readlink(join(dir, DATA_LINK)).catch(() => undefined);
  const { mode, gid } = fileMode ?? (await currentFileMode(dir));
  const version = `..${timestamp(new Date())}`;
  await mkdir(join(dir, version), { mode: 0o755 });

  for (const [key, value] of Object.entries(files)) {
    const file = join(dir, version, key);
    await writeFile(file, value);
    await chmod(file, mode);
    if (gid !== undefined) await chown(file, -1, gid);
  }

  const temporary = join(dir, '..data_tmp');
  await rm(temporary, { force: true });
  await symlink(version, temporary);
  await rename(temporary, join(dir, DATA_LINK));

  await linkVisibleNames(dir, Object.keys(files));
  if (previous && previous !== version) await rm(join(dir, previous), { recursive: true });
  return version;
}

// Visible names are symlinks through `..data`; names of keys that left the Secret are removed.
async function currentFileMode(dir: string): Promise<SecretFileMode> {
  const data = join(dir, DATA_LINK);
  const first = (await readdir(data).catch(() => [])).find((name) => !name.startsWith('.'));
  if (!first) return DEFAULT_FILE_MODE;

  const info = await stat(join(data, first));
  return { mode: info.mode & 0o7777, gid: info.gid };
}

/** The current files of a Secret layout, read through `..data`. */
export async function readSecretLayout(dir: string): Promise<Record<string, Buffer>> {
  const data = join(dir, DATA_LINK);
  const files: Record<string, Buffer> = {};
  for (const name of await readdir(data)) {
    if (!name.startsWith('.')) files[name] = await readFile(join(data, name));
  }
  return files;
}

async function linkVisibleNames(dir: string, keys: readonly string[]): Promise<void> {
  const visible = (await readdir(dir)).filter((name) => !name.startsWith('.'));
  for (const name of visible) {
    if (!keys.includes(name)) await rm(join(dir, name));
  }

  for (const key of keys) {
    if (visible.includes(key)) continue;
    await symlink(join(DATA_LINK, key), join(dir, key));
  }
}

// The kubelet names versions `..2006_01_02_15_04_05.<nanoseconds>`; milliseconds padded to
// nanoseconds keep two rotations within one second apart.
function timestamp(now: Date): string {
  const pad = (value: number, width = 2): string => String(value).padStart(width, '0');
  const date = [now.getUTCFullYear(), pad(now.getUTCMonth() + 1), pad(now.getUTCDate())];
  const time = [pad(now.getUTCHours()), pad(now.getUTCMinutes()), pad(now.getUTCSeconds())];
  const nanoseconds = pad(process.hrtime()[1] % 1e6, 6);
  const fraction = `${pad(now.getUTCMilliseconds(), 3)}${nanoseconds}`;
  return `${date.join('_')}_${time.join('_')}.${fraction}`;
}
