import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

import type { Ignore } from '@balena/dockerignore';

import { repoPath } from './repo.js';

// @balena/dockerignore implements Docker's .dockerignore rules (exceptions included). It
// sets module.exports to its factory, while its types declare a default export, which
// TypeScript's NodeNext reads as `exports.default`: require() gets the function either way.
const require = createRequire(import.meta.url);
const ignore = require('@balena/dockerignore') as () => Ignore;

/** True when `path` (relative to the repository root) stays out of the build context. */
export function leftOutOfContext(): (path: string) => boolean {
  const rules = ignore().add(readFileSync(repoPath('.dockerignore'), 'utf8'));
  return (path) => rules.ignores(path);
}
