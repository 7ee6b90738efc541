import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { parseAllDocuments, stringify } from 'yaml';

import { adaptForPodman, secretValues } from './kube-transform.js';
import type { KubeObject, SecretObject } from './kube-types.js';
import { writeSecretLayout } from './secret-layout.js';

/**
 * Writes the project's manifests as one file `podman kube play` can run, plus each Secret's
 * files in the Secret volume layout under --secret-root, and prints every change made.
 *
 *   node e2e/dist/kube-for-podman.js --manifests k8s --out pod.yaml --secret-root DIR \
 *     --image web=IMAGE --image secret-sidecar=IMAGE --image log-sidecar=IMAGE \
 *     [--listen-env web=HOST ...] [--inline-secret-env]
 */
const USAGE =
  'usage: kube-for-podman --manifests DIR --out FILE --secret-root DIR ' +
  '--image NAME=IMAGE... [--listen-env NAME=VARIABLE...] [--inline-secret-env]';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      manifests: { type: 'string' },
      out: { type: 'string' },
      'secret-root': { type: 'string' },
      image: { type: 'string', multiple: true },
      'listen-env': { type: 'string', multiple: true },
      'inline-secret-env': { type: 'boolean', default: false },
    },
  });
  const { manifests, out } = values;
  const secretRoot = values['secret-root'];
  if (!manifests || !out || !secretRoot) throw new Error(USAGE);

  const objects = await readManifests(manifests);
  const secrets = new Map<string, SecretObject>();
  for (const object of objects) {
    if (object.kind === 'Secret') secrets.set(object.metadata?.name ?? '', object as SecretObject);
  }

  const result = adaptForPodman(objects, {
    images: parsePairs('--image', values.image ?? []),
    listenEnv: parsePairs('--listen-env', values['listen-env'] ?? []),
    secretDirs: Object.fromEntries(
      [...secrets.keys()].map((name) => [name, join(secretRoot, name)]),
    ),
    inlineSecretEnv: values['inline-secret-env'] ?? false,
  });

  for (const mount of result.secretMounts) {
    const secret = secrets.get(mount.secretName);
    if (!secret) throw new Error(`no Secret ${mount.secretName} in ${manifests}`);
    await writeSecretLayout(mount.path, secretValues(secret), { mode: mount.mode, gid: mount.gid });
  }
  await writeFile(out, result.objects.map((object) => stringify(object)).join('---\n'));
  for (const change of result.changes) console.log(`adapted: ${change}`);
}

async function readManifests(dir: string): Promise<KubeObject[]> {
  const files = (await readdir(dir)).filter((name) => /\.ya?ml$/.test(name)).sort();
  const objects: KubeObject[] = [];
  for (const file of files) {
    // YAML 1.1, as kubectl reads manifests: `defaultMode: 0400` is octal there.
    const text = await readFile(join(dir, file), 'utf8');
    for (const document of parseAllDocuments(text, { version: '1.1' })) {
      if (document.errors.length > 0) {
        throw new Error(`${join(dir, file)}: ${document.errors[0]?.message ?? 'invalid YAML'}`);
      }
      const object = document.toJS() as KubeObject | null;
      if (object?.kind) objects.push(object);
    }
  }
  return objects;
}

function parsePairs(option: string, pairs: readonly string[]): Record<string, string> {
  const values: Record<string, string> = {};
  for (const pair of pairs) {
    const separator = pair.indexOf('=');
    if (separator < 1) throw new Error(`${option} ${pair}: expected CONTAINER=VALUE`);
    values[pair.slice(0, separator)] = pair.slice(separator + 1);
  }
  return values;
}

main().catch((error: unknown) => {
  console.error(`kube-for-podman: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
