import { spawnSync } from 'node:child_process';

/** A command line, wrapped so that its process cannot outlive the one that starts it. */
export interface GuardedCommand {
  command: string;
  args: string[];
  /** True when the kernel signals the child as soon as its parent dies. */
  diesWithParent: boolean;
}

let setprivWorks: boolean | undefined;

/**
 * Node cannot call prctl(2) itself, so util-linux's `setpriv --pdeathsig` sets
 * PR_SET_PDEATHSIG and then execs the command in place: the pid Node sees is the
 * command's own, signals reach it directly, and when the parent dies, even by
 * SIGKILL, the kernel sends `signal` to the child (prctl(2): the signal fires when
 * the thread that forked the child exits; libuv forks on Node's main thread).
 * Where setpriv is missing (macOS, Alpine) the command runs unguarded.
 */
// Known shortcoming: a parent killed in the microseconds between fork and setpriv's
// prctl leaves the child running unguarded.
export function dieWithParent(
  command: string,
  args: string[],
  signal: 'KILL' | 'TERM',
  setpriv = 'setpriv',
): GuardedCommand {
  if (!supportsParentDeathSignal(setpriv)) return { command, args, diesWithParent: false };

  return {
    command: setpriv,
    args: ['--pdeathsig', signal, '--', command, ...args],
    diesWithParent: true,
  };
}

function supportsParentDeathSignal(setpriv: string): boolean {
  if (setpriv === 'setpriv' && setprivWorks !== undefined) return setprivWorks;

  const probe = spawnSync(setpriv, ['--help'], { encoding: 'utf8', timeout: 5000 });
  const works = probe.status === 0 && probe.stdout.includes('--pdeathsig');
  if (setpriv === 'setpriv') setprivWorks = works;
  return works;
}
