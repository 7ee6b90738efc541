import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { METRICS_OVERRIDE_FILE } from './support/compose.js';
import { composeConfig, findComposeClis, type ComposeCli } from './support/compose-cli.js';
import { repoPath } from './support/repo.js';

// These run the real `config` of whatever Compose is installed, since its interpolation is
// what users get. Without one they are skipped, saying why; SIDECAR_POD_REQUIRE_COMPOSE=1
// turns that into a failure, for a run that installed Compose first.
const clis = findComposeClis();
const REQUIRED = process.env.SIDECAR_POD_REQUIRE_COMPOSE === '1';
const MISSING = 'neither `docker-compose` nor `docker compose` is installed';

// Every character the password may hold: spaces, both quotes, $ forms that Compose would
// interpolate if it read them as its own text, & * # \\ and a backtick, a leading -,
// non-ASCII. A .env value is narrower: single-quoted, it holds no ' and no `${` (which
// docker-compose 1.29 expands even there, as the last test shows).
const SHELL_PASSWORD = `-p$ss w0rd "dq" 'sq' $HOME \${HOME} $$ & * # \\ \`x\` grüße 🔑`;
const DOTENV_PASSWORD = `-p$ss w0rd "dq" $HOME $$ & * # \\t {x} grüße 🔑`;

function passwords(config: ReturnType<typeof composeConfig>): string[] {
  return [
    config.services.web?.environment?.REDIS_PASSWORD ?? '(unset)',
    config.services['secret-sidecar']?.environment?.WEB_REDIS_PASSWORD ?? '(unset)',
  ];
}

if (clis.length === 0) {
  describe('docker-compose.yml through compose config', () => {
    if (REQUIRED) {
      it('should find a Compose CLI (SIDECAR_POD_REQUIRE_COMPOSE=1)', () => {
        throw new Error(`${MISSING}; install docker-compose or the docker compose plugin`);
      });
    } else {
      console.warn(`compose-config.test.ts: skipped, ${MISSING}`);
      it.skip(`skipped: ${MISSING}`, () => undefined);
    }
  });
}

describe.each(clis.map((cli) => [cli.name, cli] as const))(
  'docker-compose.yml through %s config',
  (_, cli: ComposeCli) => {
    let dir: string;
    let empty: string;
    let canary: string;

    async function file(name: string, text: string): Promise<string> {
      const path = join(dir, name);
      await writeFile(path, text);
      return path;
    }

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'compose-config-'));
      empty = await file('empty.env', '');
      canary = await file(
        'canary.yml',
        "services:\n  secret-sidecar:\n    labels:\n      canary: 'a$$b'\n",
      );
    });

    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('should give both containers the sample password when none is set', () => {
      const config = composeConfig(cli, { envFile: empty, overrides: [canary] });

      expect(passwords(config)).toEqual(['sample-redis-password', 'sample-redis-password']);
    });

    it('should hand a password from the shell to both containers unchanged', () => {
      const config = composeConfig(cli, {
        envFile: empty,
        overrides: [canary],
        env: { SIDECAR_POD_REDIS_PASSWORD: SHELL_PASSWORD },
      });

      expect(passwords(config)).toEqual([SHELL_PASSWORD, SHELL_PASSWORD]);
    });

    it('should hand a single-quoted password from a .env file to both unchanged', async () => {
      const envFile = await file('quoted.env', `SIDECAR_POD_REDIS_PASSWORD='${DOTENV_PASSWORD}'\n`);
      const config = composeConfig(cli, { envFile, overrides: [canary] });

      expect(passwords(config)).toEqual([DOTENV_PASSWORD, DOTENV_PASSWORD]);
    });

    it.each([
      ['$$ as one $', "'-a$$b $${HOME} c'", '-a$b ${HOME} c'],
      ['a lone $NAME as its value', "'-a$SIDECAR_POD_UNSET_NAME c'", '-a c'],
    ])('should read %s in a value written in a compose file', async (_, written, expected) => {
      const override = await file(
        'literal.yml',
        [
          'services:',
          '  secret-sidecar:',
          `    environment: { WEB_REDIS_PASSWORD: ${written} }`,
          '  web:',
          `    environment: { REDIS_PASSWORD: ${written} }`,
          '',
        ].join('\n'),
      );
      const config = composeConfig(cli, { envFile: empty, overrides: [canary, override] });

      expect(passwords(config)).toEqual([expected, expected]);
    });

    it.runIf(cli.name === 'docker-compose')(
      'should expand ${NAME} even in a single-quoted .env value (docker-compose 1.x)',
      async () => {
        const envFile = await file('braced.env', "SIDECAR_POD_REDIS_PASSWORD='a${HOME}b'\n");
        const config = composeConfig(cli, {
          envFile,
          overrides: [canary],
          env: { HOME: '/home/x' },
        });

        expect(passwords(config)).toEqual(['a/home/xb', 'a/home/xb']);
      },
    );

    it("should publish the metrics ports on the host's loopback with compose/metrics.yml", () => {
      const overrides = [canary, repoPath(METRICS_OVERRIDE_FILE)];
      const config = composeConfig(cli, { envFile: empty, overrides });
      const ports = (config.services['secret-sidecar']?.ports ?? []).map(String);

      expect(ports.map((port) => port.replace(/\/tcp$/, ''))).toEqual([
        '127.0.0.1:8080:8080',
        '127.0.0.1:9101:9101',
        '127.0.0.1:9102:9102',
        '127.0.0.1:9103:9103',
      ]);
      for (const name of ['web', 'secret-sidecar', 'log-sidecar']) {
        expect(config.services[name]?.environment?.METRICS_HOST).toBe('0.0.0.0');
      }
    });
  },
);
