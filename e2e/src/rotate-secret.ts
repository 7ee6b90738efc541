import { readSecretLayout, rotateSecretLayout } from './secret-layout.js';

/**
 * Rotates a directory laid out like a Secret volume, as the kubelet does on a Secret update:
 * the given keys take new values, the other keys keep theirs.
 *
 *   node e2e/dist/rotate-secret.js DIR KEY=VALUE...
 */
async function main(): Promise<void> {
  const [dir, ...pairs] = process.argv.slice(2);
  if (!dir || pairs.length === 0) throw new Error('usage: rotate-secret DIR KEY=VALUE...');

  const files: Record<string, string | Buffer> = await readSecretLayout(dir);
  for (const pair of pairs) {
    const separator = pair.indexOf('=');
    if (separator < 1) throw new Error(`${pair}: expected KEY=VALUE`);
    files[pair.slice(0, separator)] = pair.slice(separator + 1);
  }

  const version = await rotateSecretLayout(dir, files);
  const changed = pairs.map((pair) => pair.split('=', 1)[0]).join(', ');
  console.log(`rotated ${dir}: ..data -> ${version} (changed: ${changed})`);
}

main().catch((error: unknown) => {
  console.error(`rotate-secret: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
