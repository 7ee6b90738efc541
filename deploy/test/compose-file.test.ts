import { existsSync, readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import {
  compose129SpecValidator,
  currentSpecValidator,
  loadComposeText,
  METRICS_OVERRIDE_FILE,
  parseCompose,
  schemaErrors,
  type ComposeService,
} from './support/compose.js';
import { variablesReadBy } from './support/env-contract.js';
import { CONTAINERS, readRepoFile, RELEASE, repoPath } from './support/repo.js';

const text = loadComposeText();
const compose = parseCompose(text);
const services = compose.services;

function service(name: string): ComposeService {
  const found = services[name];
  if (!found) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
}

/** `${NAME:-default}` -> default: what compose uses when NAME is not set. */
function withDefaults(value: string): string {
  return value.replace(/\$\{[A-Z0-9_]+:-([^}]*)\}/g, '$1');
}

describe('docker-compose.yml: schema', () => {
  const misspelt = parseCompose(text.replace(/^(\s+)network_mode:/m, '$1network_mod:'));

  it('should read the same as YAML 1.1 (docker-compose 1.x) and YAML 1.2 (docker compose)', () => {
    expect(parseCompose(text, '1.1')).toEqual(compose);
  });

  it('should validate against the current Compose Specification schema', () => {
    expect(schemaErrors(currentSpecValidator(), compose)).toEqual([]);
  });

  it('should validate against the 2021 schema that docker-compose 1.29 reads', () => {
    expect(schemaErrors(compose129SpecValidator(), compose)).toEqual([]);
  });

  it.each([
    ['current', currentSpecValidator],
    ['2021', compose129SpecValidator],
  ])('should reject a misspelt key under the %s schema', (_name, validator) => {
    expect(schemaErrors(validator(), misspelt).join('\n')).toMatch(/additional propert/);
  });
});

describe('docker-compose.yml: the pod', () => {
  it('should hold exactly the three containers of the pod', () => {
    expect(Object.keys(services).sort()).toEqual([...CONTAINERS].sort());
  });

  it("should put web and log-sidecar in secret-sidecar's network namespace", () => {
    expect(service('secret-sidecar').network_mode).toBeUndefined();
    expect(service('web').network_mode).toBe('service:secret-sidecar');
    expect(service('log-sidecar').network_mode).toBe('service:secret-sidecar');
  });

  it("should publish only web's 8080, on the host's loopback, from the namespace's owner", () => {
    const published = Object.entries(services).flatMap(([name, s]) =>
      [...(s.ports ?? []), ...(s.expose ?? [])].map((port) => `${name} ${port}`),
    );

    expect(published).toEqual(['secret-sidecar 127.0.0.1:8080:8080']);
  });

  it('should start web once secret-sidecar is healthy (seeded) and log-sidecar runs', () => {
    expect(service('web').depends_on).toEqual({
      'secret-sidecar': { condition: 'service_healthy' },
      'log-sidecar': { condition: 'service_started' },
    });
  });

  it('should report secret-sidecar healthy once seeded, through its healthcheck script', () => {
    expect(service('secret-sidecar').healthcheck?.test).toEqual([
      'CMD',
      'node',
      'dist/healthcheck.js',
    ]);
    expect(existsSync(repoPath('secret-sidecar', 'src', 'healthcheck.ts'))).toBe(true);
  });

  it('should mount the secret into secret-sidecar only, as the key `secret`', () => {
    const holders = Object.entries(services).filter(([, s]) => (s.secrets ?? []).length > 0);

    expect(holders.map(([name]) => name)).toEqual(['secret-sidecar']);
    expect(service('secret-sidecar').secrets).toEqual(['secret']);
    expect(service('secret-sidecar').environment?.SECRET_DIR).toBe('/run/secrets');
    expect(service('web').environment?.SECRET_KEY).toBe('secret');
  });

  it('should read the sample secret `foobar` from the repository, with no newline', () => {
    const file = withDefaults(compose.secrets?.secret?.file ?? '');

    expect(file).toBe('./compose/secret.sample');
    expect(readFileSync(repoPath(file), 'utf8')).toBe('foobar');
  });

  it('should give web and secret-sidecar the same Redis password and user', () => {
    const web = service('web').environment ?? {};
    const sidecar = service('secret-sidecar').environment ?? {};

    expect(web.REDIS_PASSWORD).toBeTruthy();
    expect(web.REDIS_PASSWORD).toBe(sidecar.WEB_REDIS_PASSWORD);
    expect(web.REDIS_USERNAME).toBe(sidecar.WEB_REDIS_USER ?? 'web');
    expect(web.REDIS_URL).toBe('redis://127.0.0.1:6379');
  });

  it("should share web's log folder with log-sidecar, read-only there", () => {
    const web = service('web');
    const sidecar = service('log-sidecar');
    const logDir = sidecar.environment?.LOG_DIR;

    expect(web.environment?.LOG_FILE).toBe(`${logDir}/web.log`);
    expect(web.volumes).toContain(`app-logs:${logDir}`);
    expect(sidecar.volumes).toContain(`app-logs:${logDir}:ro`);
    expect(sidecar.volumes).toContain(`log-sidecar-state:${sidecar.environment?.STATE_DIR}`);
  });

  it("should let web's drain finish before Docker's SIGKILL", () => {
    const drainSeconds = Number(service('web').environment?.SHUTDOWN_TIMEOUT_MS) / 1000;

    expect(parseInt(service('web').stop_grace_period ?? '10s', 10)).toBeGreaterThan(drainSeconds);
  });
});

describe('docker-compose.yml: each service', () => {
  it.each(CONTAINERS)('should build %s from its Dockerfile in the repository root', (name) => {
    const { build, image } = service(name);

    expect(image).toBe(`sidecar-pod/${name}:${RELEASE}`);
    expect(build).toEqual({ context: '.', dockerfile: `${name}/Dockerfile` });
    expect(existsSync(repoPath(build!.dockerfile))).toBe(true);
  });

  it.each(CONTAINERS)('should run %s read-only, without capabilities, restarted', (name) => {
    const s = service(name);

    expect(s.read_only).toBe(true);
    expect(s.tmpfs?.some((mount) => mount.startsWith('/tmp:'))).toBe(true);
    expect(s.cap_drop).toEqual(['ALL']);
    expect(s.security_opt).toContain('no-new-privileges:true');
    expect(s.restart).toBe('unless-stopped');
    expect(s.user).toBeUndefined();
  });

  it.each(CONTAINERS)('should check the health of %s with an exec-form command', (name) => {
    expect(service(name).healthcheck?.test[0]).toBe('CMD');
  });

  it.each(CONTAINERS)('should set on %s only variables that its code reads', (name) => {
    const read = variablesReadBy(name);
    const set = Object.keys(service(name).environment ?? {});

    expect(set.filter((variable) => !read.has(variable))).toEqual([]);
  });
});

describe('docker-compose.yml: metrics and the password', () => {
  it('should leave the metrics ports unpublished, inside the namespace only', () => {
    const published = Object.values(services).flatMap((s) => s.ports ?? []);

    expect(published.filter((port) => /:910[1-3]/.test(port))).toEqual([]);
    for (const name of CONTAINERS) expect(service(name).environment?.METRICS_HOST).toBeUndefined();
  });

  it('should say next to the password that a $ written in the file must be $$', () => {
    const lines = text.split('\n');
    const at = lines.findIndex((line) => line.includes('WEB_REDIS_PASSWORD:'));
    const above: string[] = [];
    for (let i = at - 1; i >= 0 && /^\s*#/.test(lines[i]!); i -= 1) above.unshift(lines[i]!);
    const comment = above.join('\n');

    expect(comment).toContain('$$');
    expect(comment).toMatch(/single quotes/);
  });

  it("should bound web's log file, which shares the app-logs volume", () => {
    expect(Number(service('web').environment?.LOG_FILE_MAX_BYTES)).toBeGreaterThan(0);
  });
});

describe('compose/metrics.yml', () => {
  const overrideText = readRepoFile(METRICS_OVERRIDE_FILE);
  const override = parseCompose(overrideText);

  it.each([
    ['current', currentSpecValidator],
    ['2021', compose129SpecValidator],
  ])('should validate against the %s schema, read as YAML 1.1 and 1.2 alike', (_, validator) => {
    expect(schemaErrors(validator(), override)).toEqual([]);
    expect(parseCompose(overrideText, '1.1')).toEqual(override);
  });

  it('should open each metrics server to the namespace and change nothing else', () => {
    expect(Object.keys(override.services).sort()).toEqual([...CONTAINERS].sort());
    for (const name of CONTAINERS) {
      const { environment, ports, ...rest } = override.services[name]!;

      expect(environment).toEqual({ METRICS_HOST: '0.0.0.0' });
      expect(Object.keys(rest)).toEqual([]);
      if (name !== 'secret-sidecar') expect(ports).toBeUndefined();
    }
  });

  it("should publish 9101 to 9103 on the host's loopback, from the namespace's owner", () => {
    expect(override.services['secret-sidecar']?.ports).toEqual([
      '127.0.0.1:9101:9101',
      '127.0.0.1:9102:9102',
      '127.0.0.1:9103:9103',
    ]);
  });

  it.each(CONTAINERS)('should set on %s only variables that its code reads', (name) => {
    const read = variablesReadBy(name);
    const set = Object.keys(override.services[name]?.environment ?? {});

    expect(set.filter((variable) => !read.has(variable))).toEqual([]);
  });
});
