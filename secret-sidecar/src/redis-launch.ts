import { dieWithParent, type GuardedCommand } from '@sidecar-pod/common';

/** How to exec redis-server so that it cannot outlive the supervisor. */
export type RedisLaunch = GuardedCommand;

/**
 * `redis-server -` (its configuration comes on stdin), under a parent-death signal
 * where util-linux's setpriv exists. SIGKILL rather than SIGTERM: Redis holds
 * nothing that needs saving, and a supervisor that died cannot wait for it anyway.
 */
// Known shortcoming: a supervisor killed in the microseconds between fork and setpriv's
// prctl leaves a redis-server that reads an empty config (defaults, port 6379, loopback).
export function redisLaunch(redisServer: string, setpriv = 'setpriv'): RedisLaunch {
  return dieWithParent(redisServer, ['-'], 'KILL', setpriv);
}
