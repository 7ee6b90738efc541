import { describe, expect, it } from 'vitest';

import { modelErrors } from './support/kubernetes-models.js';
import { kubernetesTypeErrors } from './support/kubernetes-types-check.js';
import { loadManifests, parseManifestFile } from './support/manifests.js';

const BROKEN_DEPLOYMENT = `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: broken
spec:
  selector:
    matchLabels: { app: broken }
  template:
    metadata:
      labels: { app: broken }
    spec:
      containers:
        - name: web
          image: example:1.0.0
          readinessProbes: {}
          resources:
            limits:
              cpu: lots
`;

describe('k8s manifests', () => {
  const manifests = loadManifests();

  it('should hold the Secret, credentials, Deployment, Service, PDB and HPA', () => {
    const kinds = manifests.map((m) => `${m.kind}/${m.name}`).sort();

    expect(kinds).toEqual([
      'Deployment/sidecar-pod',
      'HorizontalPodAutoscaler/sidecar-pod',
      'PodDisruptionBudget/sidecar-pod',
      'Secret/redis-web-credentials',
      'Secret/sidecar-pod-secret',
      'Service/sidecar-pod',
    ]);
  });

  it('should validate against the Kubernetes OpenAPI schemas of kubernetes-models', () => {
    expect(manifests.flatMap(modelErrors)).toEqual([]);
  });

  it('should use only fields that Kubernetes 1.30 has, with their types', () => {
    expect(kubernetesTypeErrors(manifests)).toEqual([]);
  });

  it('should name no namespace, so that kubectl applies them to the current one', () => {
    const namespaced = manifests.filter(
      (m) => (m.object.metadata as { namespace?: string }).namespace !== undefined,
    );

    expect(namespaced.map((m) => m.source)).toEqual([]);
  });
});

describe('k8s schema checks', () => {
  const broken = parseManifestFile('broken.yaml', BROKEN_DEPLOYMENT);

  it('should reject a quantity that is not one (kubernetes-models)', () => {
    expect(broken.flatMap(modelErrors).join('\n')).toMatch(/limits\/cpu must match format/);
  });

  it('should reject a misspelt field (kubernetes-types)', () => {
    expect(kubernetesTypeErrors(broken).join('\n')).toMatch(
      /readinessProbes.*does not exist in type 'Container'/,
    );
  });
});
