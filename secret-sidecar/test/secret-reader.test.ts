import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { CommandParseError } from '../src/command-parser.js';
import {
  readSecret,
  SecretReadError,
  stripOneLineEnd,
  type SecretEntry,
} from '../src/secret-reader.js';
import { publishSecret } from './support/kube-secret.js';

const SAMPLE = join(dirname(fileURLToPath(import.meta.url)), '..', 'sample-secret');

function valueOf(entries: SecretEntry[], name: string): Buffer | undefined {
  const entry = entries.find((candidate) => candidate.name === name);
  return entry?.kind === 'value' ? entry.value : undefined;
}

describe('stripOneLineEnd', () => {
  it.each([
    ['foobar', 'foobar'],
    ['foobar\n', 'foobar'],
    ['foobar\r\n', 'foobar'],
    ['foobar\n\n', 'foobar\n'],
    ['foobar\r', 'foobar\r'],
    ['\n', ''],
    ['', ''],
  ])('should turn %j into %j', (content, expected) => {
    expect(stripOneLineEnd(Buffer.from(content)).toString()).toBe(expected);
  });
});

describe('readSecret', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'secret-reader-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('should read the keys of a kubelet Secret volume through ..data', async () => {
    await publishSecret(dir, { secret: 'foobar\n', 'seed.redis': 'SET a "b c"\n' });
    const snapshot = await readSecret(dir);

    expect(snapshot.entries.map((entry) => [entry.name, entry.kind])).toEqual([
      ['secret', 'value'],
      ['seed.redis', 'commands'],
    ]);
    expect(valueOf(snapshot.entries, 'secret')?.toString()).toBe('foobar');
  });

  it('should read a plain directory of files and skip names starting with a dot', async () => {
    await writeFile(join(dir, 'secret'), 'foobar');
    await writeFile(join(dir, '.hidden'), 'not a key');
    await mkdir(join(dir, 'nested'));
    const snapshot = await readSecret(dir);

    expect(snapshot.entries.map((entry) => entry.name)).toEqual(['secret']);
    expect(snapshot.skipped).toEqual(['nested']);
  });

  it('should keep every byte of a binary value', async () => {
    const bytes = Buffer.from([0x00, 0xff, 0x0d, 0x20, 0x0a, 0x0a]);
    await writeFile(join(dir, 'binary'), bytes);
    const snapshot = await readSecret(dir);

    expect(valueOf(snapshot.entries, 'binary')).toEqual(bytes.subarray(0, 5));
  });

  it('should change the fingerprint when one byte changes and not otherwise', async () => {
    await publishSecret(dir, { secret: 'foobar' });
    const first = await readSecret(dir);
    await publishSecret(dir, { secret: 'foobar' });
    const same = await readSecret(dir);
    await publishSecret(dir, { secret: 'foobaR' });
    const changed = await readSecret(dir);

    expect(same.fingerprint).toBe(first.fingerprint);
    expect(changed.fingerprint).not.toBe(first.fingerprint);
  });

  it('should read the sample Secret shipped for the local runner', async () => {
    const snapshot = await readSecret(SAMPLE);
    expect(valueOf(snapshot.entries, 'secret')?.toString()).toBe('foobar');
  });

  it.each([
    ['a missing directory', async (d: string) => rm(d, { recursive: true }), 'does not exist'],
    ['an empty directory', async () => undefined, 'holds no keys'],
    ['only hidden files', async (d: string) => writeFile(join(d, '.x'), 'v'), 'holds no keys'],
    [
      'only blank command files',
      async (d: string) => writeFile(join(d, 'a.redis'), '\n'),
      'holds no keys',
    ],
    [
      'a dangling ..data',
      async (d: string) => symlink('..gone', join(d, '..data')),
      'points to nothing',
    ],
  ])('should refuse %s with an error naming the directory', async (_, prepare, problem) => {
    await prepare(dir);
    const read = readSecret(dir);

    await expect(read).rejects.toThrow(SecretReadError);
    await expect(read).rejects.toThrow(dir);
    await expect(read).rejects.toThrow(problem);
  });

  it('should refuse a path that is a file with an error naming it', async () => {
    const file = join(dir, 'file');
    await writeFile(file, 'x');
    await expect(readSecret(file)).rejects.toThrow(`Secret ${file}: is not a directory`);
  });

  it('should refuse a dangling visible name rather than read half a Secret', async () => {
    await writeFile(join(dir, 'secret'), 'foobar');
    await symlink(join('..data', 'gone'), join(dir, 'gone'));
    await expect(readSecret(dir)).rejects.toThrow(`Secret ${join(dir, 'gone')}: does not exist`);
  });

  it('should name the file and line of a bad command line', async () => {
    await publishSecret(dir, { 'seed.redis': 'SET a 1\nSET b "oops\n' });
    const read = readSecret(dir);

    await expect(read).rejects.toThrow(CommandParseError);
    await expect(read).rejects.toThrow(`${join(dir, 'seed.redis')}, line 2`);
  });
});
