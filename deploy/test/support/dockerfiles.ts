import { DockerfileParser, type Instruction } from 'dockerfile-ast';

import { readRepoFile } from './repo.js';

export interface Stage {
  /** The `AS` name, or null for an unnamed stage. */
  name: string | null;
  /** The image reference as written after FROM, for example `${NODE_IMAGE}`. */
  base: string;
  instructions: Instruction[];
}

export interface ParsedDockerfile {
  /** ARGs before the first FROM: the only ones a FROM line can use. */
  globalArgs: Map<string, string | null>;
  stages: Stage[];
}

export function dockerfilePath(container: string): string {
  return `${container}/Dockerfile`;
}

export function loadDockerfile(container: string): ParsedDockerfile {
  return parseDockerfile(readRepoFile(dockerfilePath(container)));
}

/** dockerfile-ast parses the instructions; the stages are cut at each FROM here. */
export function parseDockerfile(text: string): ParsedDockerfile {
  const dockerfile = DockerfileParser.parse(text);
  const globalArgs = new Map(
    dockerfile.getInitialARGs().map((arg) => {
      const property = arg.getProperty();
      return [property?.getName() ?? '', property?.getValue() ?? null] as const;
    }),
  );

  const stages: Stage[] = [];
  for (const instruction of dockerfile.getInstructions()) {
    if (instruction.getKeyword() === 'FROM') {
      const [base = '', as, name = null] = instruction.getArguments().map((a) => a.getValue());
      stages.push({ name: as?.toUpperCase() === 'AS' ? name : null, base, instructions: [] });
      continue;
    }
    stages.at(-1)?.instructions.push(instruction);
  }
  return { globalArgs, stages };
}

export function instructionsOf(stage: Stage, keyword: string): Instruction[] {
  return stage.instructions.filter((instruction) => instruction.getKeyword() === keyword);
}

export function stageNamed(dockerfile: ParsedDockerfile, name: string): Stage {
  const stage = dockerfile.stages.find((s) => s.name === name);
  if (!stage) throw new Error(`no stage named ${name}`);
  return stage;
}

/** A RUN's `--mount=...` flags as option maps: `{ type: 'secret', id: 'npmrc', ... }`. */
export function mountsOf(run: Instruction): Record<string, string | null>[] {
  const flags = (run as unknown as { getFlags(): Flag[] }).getFlags();
  return flags
    .filter((flag) => flag.getName() === 'mount')
    .map((flag) =>
      Object.fromEntries(flag.getOptions().map((option) => [option.getName(), option.getValue()])),
    );
}

/** A COPY's `--from` stage, or undefined when it copies from the build context. */
export function copySource(copy: Instruction): string | undefined {
  const flags = (copy as unknown as { getFlags(): Flag[] }).getFlags();
  return flags.find((flag) => flag.getName() === 'from')?.getValue() ?? undefined;
}

/** The sources and destination of a COPY in shell form: `COPY a b dest/`. */
export function copyPaths(copy: Instruction): { sources: string[]; destination: string } {
  const values = copy.getArguments().map((argument) => argument.getValue());
  return { sources: values.slice(0, -1), destination: values.at(-1) ?? '' };
}

/** The command of a RUN, CMD or ENTRYPOINT with its line continuations joined. */
export function commandOf(instruction: Instruction): string {
  return (instruction.getArgumentsContent() ?? '').replace(/\s+/g, ' ').trim();
}

interface Flag {
  getName(): string;
  getValue(): string | null;
  getOptions(): { getName(): string; getValue(): string | null }[];
}
