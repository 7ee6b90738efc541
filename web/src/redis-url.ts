import { ConfigError } from '@sidecar-pod/common';

export interface RedisAddress {
  host: string;
  port: number;
  db: number;
  username: string | undefined;
  password: string | undefined;
}

const SHAPE = 'expected redis://[user[:password]@]host[:port][/db]';

/**
 * Parses REDIS_URL. A password inside the URL is accepted (it is how many tools
 * write it) but never repeated: error messages carry the redacted form only.
 */
export function parseRedisUrl(raw: string): RedisAddress {
  const shown = JSON.stringify(redactUrl(raw));

  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('REDIS_URL', `${SHAPE}, got ${shown}`);
  }

  if (url.protocol !== 'redis:') {
    throw new ConfigError('REDIS_URL', `${SHAPE} (scheme redis:), got ${shown}`);
  }
  if (url.hostname === '') throw new ConfigError('REDIS_URL', `${SHAPE}, no host in ${shown}`);
  if (url.search !== '' || url.hash !== '') {
    throw new ConfigError('REDIS_URL', `${SHAPE}, no query or fragment, got ${shown}`);
  }

  const dbText = url.pathname.replace(/^\//, '');
  if (dbText !== '' && !/^\d{1,2}$/.test(dbText)) {
    throw new ConfigError('REDIS_URL', `${SHAPE}, db must be a number, got ${shown}`);
  }

  return {
    // WHATWG URL keeps the brackets of an IPv6 literal; net.connect wants it bare.
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port === '' ? 6379 : Number(url.port),
    db: dbText === '' ? 0 : Number(dbText),
    username: decodeCredential(url.username, shown),
    password: decodeCredential(url.password, shown),
  };
}

function decodeCredential(encoded: string, shown: string): string | undefined {
  if (encoded === '') return undefined;

  try {
    return decodeURIComponent(encoded);
  } catch {
    throw new ConfigError(
      'REDIS_URL',
      `${SHAPE}, bad percent-encoding in the user part of ${shown}`,
    );
  }
}

/**
 * The URL with any password replaced by `***`, safe to print or log. It redacts up
 * to the last `@` because a URL parser takes credentials up to there, and a URL
 * that fails to parse may hold a password with `@` or `/` in it.
 */
export function redactUrl(raw: string): string {
  return raw.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*):.*@/is, '$1:***@');
}
