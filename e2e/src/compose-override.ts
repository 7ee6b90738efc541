import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';

import { parse, stringify } from 'yaml';

/**
 * Writes a compose override file that points each built service at the image this test built,
 * and nothing else, and prints each change. A service is matched to its image by the folder of
 * its Dockerfile (`web/Dockerfile` -> the image given as `--image web=...`).
 *
 *   node e2e/dist/compose-override.js --compose docker-compose.yml --out FILE \
 *     --image web=IMAGE --image secret-sidecar=IMAGE --image log-sidecar=IMAGE
 */
interface ComposeService {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      compose: { type: 'string' },
      out: { type: 'string' },
      image: { type: 'string', multiple: true },
    },
  });
  if (!values.compose || !values.out) {
    throw new Error('usage: compose-override --compose FILE --out FILE --image NAME=IMAGE...');
  }

  const images = new Map(
    (values.image ?? []).map((pair) => pair.split('=', 2) as [string, string]),
  );
  const compose = parse(await readFile(values.compose, 'utf8')) as {
    services?: Record<string, ComposeService>;
  };

  const services: Record<string, { image: string }> = {};
  for (const [name, service] of Object.entries(compose.services ?? {})) {
    const folder = dockerfileFolder(service) ?? name;
    const image = images.get(folder);
    if (!image) throw new Error(`service ${name}: no --image for ${folder}`);

    services[name] = { image };
    console.log(`adapted: service ${name}: image ${service.image ?? '(none)'} -> ${image}`);
  }

  await writeFile(values.out, stringify({ services }));
}

function dockerfileFolder(service: ComposeService): string | undefined {
  const dockerfile = typeof service.build === 'object' ? service.build.dockerfile : undefined;
  const folder = dockerfile?.split('/').slice(0, -1).join('/');
  return folder || undefined;
}

main().catch((error: unknown) => {
  console.error(`compose-override: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
