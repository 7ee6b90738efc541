export type ForwardLevel = 'debug' | 'info' | 'warn' | 'error';

export interface RedisLogLine {
  level: ForwardLevel;
  msg: string;
  /** Redis's own pid and role (M master, C child, S replica) where the line names them. */
  redisPid?: number;
  redisRole?: string;
}

// Redis log lines look like `12:M 04 Dec 2026 15:49:24.673 * Ready to accept connections`
// (serverLogRaw in server.c); the signal handler writes `12:signal-handler (1712) ...`.
const STANDARD = /^(\d+):([A-Za-z]) \d{2} \w{3} \d{4} [\d:.]+ ([.\-*#]) (.*)$/;
const SIGNAL_HANDLER = /^(\d+):signal-handler \(\d+\) (.*)$/;

// Redis's levels: . debug, - verbose, * notice, # warning. Redis also uses "warning"
// for lines it always prints (its start banner, "Configuration loaded"), so a `#`
// line is forwarded at warn only when its words say something went wrong.
const LEVELS: Record<string, ForwardLevel> = { '.': 'debug', '-': 'debug', '*': 'info' };
const TROUBLE = /warn|fail|error|fatal|abort|can't|cannot|could not|unable|refus|denied|invalid/i;

// A password hash from the config, should Redis echo a config line back.
const HASH = /#[0-9a-f]{64}/g;

/** Turns one line that redis-server printed into a log record for the supervisor's log. */
export function parseRedisLogLine(raw: string, stream: 'stdout' | 'stderr'): RedisLogLine {
  const line = raw.replace(HASH, '#<sha256>');

  const standard = STANDARD.exec(line);
  if (standard) {
    const [, pid, role, mark, msg] = standard;
    return {
      level: LEVELS[mark ?? '#'] ?? (TROUBLE.test(msg ?? '') ? 'warn' : 'info'),
      msg: msg ?? '',
      redisPid: Number(pid),
      redisRole: role,
    };
  }

  const signal = SIGNAL_HANDLER.exec(line);
  if (signal) return { level: 'info', msg: signal[2] ?? '', redisPid: Number(signal[1]) };

  // Anything else is Redis talking outside its logger: on stderr that is a fatal
  // config error, on stdout a banner line.
  return { level: stream === 'stderr' ? 'error' : 'info', msg: line };
}
