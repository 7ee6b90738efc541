import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';

import { loadManifests } from './support/manifests.js';
import { containersOf, deploymentOf, podTemplateOf } from './support/pod.js';
import { readRepoFile, RELEASE } from './support/repo.js';

interface PodMonitor {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec: {
    selector: { matchLabels: Record<string, string> };
    podMetricsEndpoints: { port: string; path: string; interval?: string }[];
  };
}

// The Prometheus Operator's CRD is not in this repository, so no schema check: these tests
// tie the example to the pod it scrapes (the fields are those of monitoring.coreos.com/v1).
const documents = parseAllDocuments(readRepoFile('examples', 'podmonitor.yaml'));
const monitor = documents[0]!.toJS() as PodMonitor;
const manifests = loadManifests();
const deployment = deploymentOf(manifests);
const pod = podTemplateOf(manifests);
const metricsPorts = containersOf(pod.spec)
  .flatMap((container) => container.ports ?? [])
  .filter((port) => port.name?.endsWith('-metrics'));

describe('examples/podmonitor.yaml', () => {
  it('should hold one PodMonitor and no namespace, so that it lands beside the pods', () => {
    expect(documents).toHaveLength(1);
    expect(documents[0]!.errors).toEqual([]);
    expect(monitor.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(monitor.kind).toBe('PodMonitor');
    expect(monitor.metadata.namespace).toBeUndefined();
    expect(monitor.metadata.labels?.['app.kubernetes.io/version']).toBe(RELEASE);
  });

  it("should select the Deployment's pods", () => {
    expect(monitor.spec.selector.matchLabels).toEqual(deployment.spec?.selector.matchLabels);
  });

  it("should scrape /metrics on each of the pod's three metrics ports, by name", () => {
    const endpoints = monitor.spec.podMetricsEndpoints;

    expect(metricsPorts.map((port) => port.name)).toHaveLength(3);
    expect(endpoints.map((endpoint) => endpoint.port).sort()).toEqual(
      metricsPorts.map((port) => port.name).sort(),
    );
    expect(endpoints.map((endpoint) => endpoint.path)).toEqual([
      '/metrics',
      '/metrics',
      '/metrics',
    ]);
  });
});
