import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { repoPath, type ContainerName } from './repo.js';

// `readPort(env, 'HEALTH_PORT', 8081)`, `readChoice<SinkKind>(env, 'SINK', ...)`: the
// shared readers take the variable's name as their second argument.
const READER_CALL = /\bread[A-Z]\w*(?:<[^>]*>)?\(\s*[\w.]+,\s*'([A-Z][A-Z0-9_]*)'/g;
const DIRECT_READ = /process\.env\.([A-Z][A-Z0-9_]*)|process\.env\[\s*'([A-Z][A-Z0-9_]*)'\s*\]/g;

/**
 * The environment variables a container's code reads, found in its package's sources and
 * common's. A deployment file that sets any other name sets a variable nothing reads: a typo.
 */
export function variablesReadBy(container: ContainerName): Set<string> {
  const names = new Set<string>();

  for (const dir of [repoPath(container, 'src'), repoPath('common', 'src')]) {
    for (const file of sourceFiles(dir)) {
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(READER_CALL)) names.add(match[1]!);
      for (const match of text.matchAll(DIRECT_READ)) names.add((match[1] ?? match[2])!);
    }
  }
  return names;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts'))
    .map((name) => join(dir, name));
}
