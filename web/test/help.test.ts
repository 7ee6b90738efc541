import { describe, expect, it } from 'vitest';

import { loadConfig } from '../src/config.js';
import { VARIABLES } from '../src/help.js';
import { spawnWeb } from './support/web-process.js';

/** Every variable name loadConfig looks at, found by watching it read an empty env. */
function variablesRead(): string[] {
  const read = new Set<string>();
  const env = new Proxy({} as Record<string, string | undefined>, {
    get: (_target, name) => {
      if (typeof name === 'string') read.add(name);
      return undefined;
    },
  });
  loadConfig(env);
  return [...read];
}

describe('web --help', () => {
  it('should document every variable that loadConfig reads, and no other', () => {
    const documented = VARIABLES.map((variable) => variable.name);

    expect(documented.toSorted()).toEqual(variablesRead().toSorted());
  });

  it('should print variables, defaults and an example, start nothing, exit 0', async () => {
    // An invalid PORT would exit 2 if --help loaded the configuration.
    const web = await spawnWeb({ PORT: 'not-a-port' }, ['--help']);
    try {
      expect(await web.exited).toBe(0);

      const out = web.stdout();
      for (const variable of VARIABLES) {
        expect(out).toMatch(new RegExp(`^  ${variable.name} +\\S`, 'm'));
        expect(out).toContain(`(default: ${variable.fallback})`);
      }
      expect(out).toContain('Example');
      expect(out).toContain('node web/dist/main.js');
      expect(out).not.toContain('"level"');
      expect(web.stderr()).toBe('');
    } finally {
      await web.kill();
    }
  });
});
