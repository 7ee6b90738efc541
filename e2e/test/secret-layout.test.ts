import { lstat, mkdtemp, readdir, readFile, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { readSecretLayout, rotateSecretLayout, writeSecretLayout } from '../src/secret-layout.js';

describe('secret layout', () => {
  let dir: string;

  beforeEach(async () => {
    dir = join(await mkdtemp(join(tmpdir(), 'secret-layout-')), 'secret');
  });

  afterEach(async () => {
    await rm(join(dir, '..'), { recursive: true, force: true });
  });

  it('should link each visible name through ..data to a timestamped directory', async () => {
    await writeSecretLayout(dir, { secret: 'foobar' });

    const version = await readlink(join(dir, '..data'));
    expect(version).toMatch(/^\.\.\d{4}_\d{2}_\d{2}_\d{2}_\d{2}_\d{2}\.\d{9}$/);
    expect(await readlink(join(dir, 'secret'))).toBe('..data/secret');
    expect(await readFile(join(dir, 'secret'), 'utf8')).toBe('foobar');
  });

  it('should serve the new value and drop the old directory after a rotation', async () => {
    await writeSecretLayout(dir, { secret: 'foobar' });
    const first = await readlink(join(dir, '..data'));

    await rotateSecretLayout(dir, { secret: 'rotated' });

    expect(await readFile(join(dir, 'secret'), 'utf8')).toBe('rotated');
    expect(await readlink(join(dir, '..data'))).not.toBe(first);
    expect(await readdir(dir)).not.toContain(first);
    expect((await lstat(join(dir, 'secret'))).isSymbolicLink()).toBe(true);
  });

  it('should remove the visible name of a key that left the Secret', async () => {
    await writeSecretLayout(dir, { secret: 'foobar', extra: 'x' });

    await rotateSecretLayout(dir, { secret: 'foobar' });

    expect((await readdir(dir)).filter((name) => !name.startsWith('.'))).toEqual(['secret']);
    expect(Object.keys(await readSecretLayout(dir))).toEqual(['secret']);
  });
});
