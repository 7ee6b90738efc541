import { readdirSync } from 'node:fs';

import { parseAllDocuments } from 'yaml';

import { readRepoFile, repoPath } from './repo.js';

export interface Manifest {
  /** The file under k8s/ and the document's index in it, for messages. */
  source: string;
  apiVersion: string;
  kind: string;
  name: string;
  object: Record<string, unknown>;
}

/**
 * Every document of every k8s/*.yaml file, read as kubectl reads it: YAML 1.1, so that
 * `defaultMode: 0400` is octal (256), as it is for kubectl and not for a YAML 1.2 parser.
 */
export function loadManifests(): Manifest[] {
  const files = readdirSync(repoPath('k8s')).filter((name) => /\.ya?ml$/.test(name));
  return files.sort().flatMap((file) => parseManifestFile(file, readRepoFile('k8s', file)));
}

export function parseManifestFile(file: string, text: string): Manifest[] {
  return parseAllDocuments(text, { version: '1.1' }).map((document, index) => {
    const source = `k8s/${file}#${index}`;
    if (document.errors.length > 0) {
      throw new Error(`${source}: ${document.errors.map((error) => error.message).join('; ')}`);
    }

    const object = document.toJS() as Record<string, unknown> | null;
    if (!object) throw new Error(`${source}: empty document`);

    const metadata = object.metadata as { name?: string } | undefined;
    return {
      source,
      apiVersion: String(object.apiVersion),
      kind: String(object.kind),
      name: String(metadata?.name),
      object,
    };
  });
}

export function findManifest(manifests: Manifest[], kind: string, name?: string): Manifest {
  const found = manifests.find((m) => m.kind === kind && (name === undefined || m.name === name));
  if (!found) throw new Error(`no ${kind}${name ? ` named ${name}` : ''} in k8s/`);
  return found;
}
