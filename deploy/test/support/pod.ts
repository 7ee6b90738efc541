import type { Deployment } from 'kubernetes-types/apps/v1.js';
import type { Container, EnvVar, PodSpec, Probe } from 'kubernetes-types/core/v1.js';

import { findManifest, type Manifest } from './manifests.js';

export interface PodTemplate {
  labels: Record<string, string>;
  spec: PodSpec;
}

export function deploymentOf(manifests: Manifest[]): Deployment {
  return findManifest(manifests, 'Deployment', 'sidecar-pod').object as Deployment;
}

export function podTemplateOf(manifests: Manifest[]): PodTemplate {
  const template = deploymentOf(manifests).spec!.template;
  return { labels: template.metadata?.labels ?? {}, spec: template.spec! };
}

/** Sidecars (init containers) first, then the main containers: the pod's start order. */
export function containersOf(spec: PodSpec): Container[] {
  return [...(spec.initContainers ?? []), ...spec.containers];
}

export function containerNamed(spec: PodSpec, name: string): Container {
  const container = containersOf(spec).find((c) => c.name === name);
  if (!container) throw new Error(`the pod has no container named ${name}`);
  return container;
}

export function envVar(container: Container, name: string): EnvVar | undefined {
  return container.env?.find((variable) => variable.name === name);
}

/** A plain `value:` variable, or undefined when it is absent or comes from a reference. */
export function envValue(container: Container, name: string): string | undefined {
  return envVar(container, name)?.value;
}

/** The container port number a probe's httpGet.port names, by name or number. */
export function probePort(container: Container, probe: Probe): number | undefined {
  const port = probe.httpGet?.port;
  if (typeof port === 'number') return port;
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

/** Kubernetes CPU or memory quantity as a number (cores or bytes), for comparisons. */
export function quantity(value: string | number): number {
  if (typeof value === 'number') return value;

  const match = /^(\d+(?:\.\d+)?)(m|Ki|Mi|Gi|k|M|G)?$/.exec(value);
  if (!match) throw new Error(`unsupported quantity ${JSON.stringify(value)}`);

  const factor: Record<string, number> = {
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
  };
  return Number(match[1]) * (match[2] ? factor[match[2]]! : 1);
}
