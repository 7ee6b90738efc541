import { spawnSync } from 'node:child_process';

/** How to exec redis-server so that it cannot outlive the supervisor. */
export interface RedisLaunch {
  command: string;
  args: string[];
  /** True when the kernel kills redis-server as soon as the supervisor dies. */
  diesWithParent: boolean;
}

/**
 * Node cannot call prctl(2) itself, so util-linux's `setpriv --pdeathsig KILL`
 * sets PR_SET_PDEATHSIG and then execs redis-server in place: the pid Node sees
 * is redis-server's, signals reach it directly, and when the supervisor dies, even
 * by SIGKILL, the kernel sends SIGKILL to Redis (prctl(2): the signal fires when
 * the thread that forked the child exits; libuv forks on Node's main thread).
 * SIGKILL rather than SIGTERM: Redis holds nothing that needs saving.
 */
// Known shortcoming: a supervisor killed in the microseconds between fork and setpriv's
// prctl leaves a redis-server that reads an empty config (defaults, port 6379, loopback).
export function redisLaunch(redisServer: string, setpriv = 'setpriv'): RedisLaunch {
  if (!supportsParentDeathSignal(setpriv)) {
    return { command: redisServer, args: ['-'], diesWithParent: false };
  }
  return {
    command: setpriv,
    args: ['--pdeathsig', 'KILL', '--', redisServer, '-'],
    diesWithParent: true,
  };
}

function supportsParentDeathSignal(setpriv: string): boolean {
  const probe = spawnSync(setpriv, ['--help'], { encoding: 'utf8', timeout: 5000 });
  return probe.status === 0 && probe.stdout.includes('--pdeathsig');
}
