import { join } from 'node:path';

import ts from 'typescript';

import type { Manifest } from './manifests.js';
import { repoRoot } from './repo.js';

// kubernetes-types 1.30.0 is the Kubernetes 1.30 API as TypeScript interfaces. Written
// as an object literal typed with them, a manifest gets TypeScript's excess-property
// check: a field that Kubernetes 1.30 does not have, or a misspelt one, is an error,
// just as `kubectl apply` (strict field validation) refuses it.
const TYPES: Record<string, { module: string; type: string }> = {
  'v1/Secret': { module: 'kubernetes-types/core/v1', type: 'Secret' },
  'v1/Service': { module: 'kubernetes-types/core/v1', type: 'Service' },
  'apps/v1/Deployment': { module: 'kubernetes-types/apps/v1', type: 'Deployment' },
  'policy/v1/PodDisruptionBudget': {
    module: 'kubernetes-types/policy/v1',
    type: 'PodDisruptionBudget',
  },
  'autoscaling/v2/HorizontalPodAutoscaler': {
    module: 'kubernetes-types/autoscaling/v2',
    type: 'HorizontalPodAutoscaler',
  },
};

const OPTIONS: ts.CompilerOptions = {
  strict: true,
  noEmit: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  lib: ['lib.es2022.d.ts'],
  types: [],
};

/** Type-checks every manifest against the Kubernetes 1.30 types; returns the errors. */
export function kubernetesTypeErrors(manifests: Manifest[]): string[] {
  const unknown = manifests.filter((m) => !TYPES[`${m.apiVersion}/${m.kind}`]);
  if (unknown.length > 0) {
    return unknown.map((m) => `${m.source}: no type for ${m.apiVersion} ${m.kind}`);
  }

  // Virtual files inside the repository, so that kubernetes-types resolves from node_modules.
  const files = new Map(
    manifests.map((manifest, index) => [
      join(repoRoot, 'deploy', '.typecheck', `manifest-${index}.ts`),
      { manifest, text: sourceFor(manifest) },
    ]),
  );

  const host = ts.createCompilerHost(OPTIONS);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.readFile = (name) => files.get(name)?.text ?? readFile(name);
  host.fileExists = (name) => files.has(name) || fileExists(name);
  host.getSourceFile = (name, language, ...rest) => {
    const file = files.get(name);
    if (file) return ts.createSourceFile(name, file.text, language);
    return getSourceFile(name, language, ...rest);
  };

  const program = ts.createProgram([...files.keys()], OPTIONS, host);
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    const file = diagnostic.file && files.get(diagnostic.file.fileName);
    if (!file || diagnostic.start === undefined) return message;

    const { line } = diagnostic.file!.getLineAndCharacterOfPosition(diagnostic.start);
    const text = file.text.split('\n')[line]?.trim();
    return `${file.manifest.source}: ${message} (at ${text})`;
  });
}

function sourceFor(manifest: Manifest): string {
  const { module, type } = TYPES[`${manifest.apiVersion}/${manifest.kind}`]!;
  return [
    `import type { ${type} } from '${module}';`,
    `export const manifest: ${type} = ${JSON.stringify(manifest.object, null, 2)};`,
    '',
  ].join('\n');
}
