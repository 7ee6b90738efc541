import { readdir, readFile } from 'node:fs/promises';

/**
 * The children of a process, from /proc/<pid>/task/<tid>/children (Linux 3.5+).
 * redis-server writes its process title over its environment, so the secret
 * sidecar's Redis is found as its child rather than by anything it carries.
 */
export async function childPids(pid: number): Promise<number[]> {
  const tasks = await readdir(`/proc/${pid}/task`).catch(() => []);
  const children: number[] = [];
  for (const task of tasks) {
    const text = await readFile(`/proc/${pid}/task/${task}/children`, 'utf8').catch(() => '');
    children.push(...text.split(' ').filter(Boolean).map(Number));
  }
  return children;
}

/** The process's command name from /proc/<pid>/comm, or undefined once it is gone. */
export async function commandName(pid: number): Promise<string | undefined> {
  const text = await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => undefined);
  return text?.trim();
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
