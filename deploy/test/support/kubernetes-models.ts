import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { Secret, Service } from 'kubernetes-models/v1';

import type { Manifest } from './manifests.js';

interface Validatable {
  validate(): void;
}

// kubernetes-models 4.5.1 holds the OpenAPI schemas of Kubernetes 1.33 (it knows
// Lifecycle.stopSignal, new in 1.33, and not PodCertificateProjection, new in 1.34).
// It checks types, formats (quantities) and required fields, but lets unknown fields
// through; kubernetes-types-check.ts catches those against 1.30.
const MODELS: Record<string, new (data: never) => Validatable> = {
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
};

/** The schema's complaints about one manifest, each naming where it is; empty when valid. */
export function modelErrors(manifest: Manifest): string[] {
  const Model = MODELS[`${manifest.apiVersion}/${manifest.kind}`];
  if (!Model) return [`${manifest.source}: no model for ${manifest.apiVersion} ${manifest.kind}`];

  try {
    new Model(manifest.object as never).validate();
    return [];
  } catch (error) {
    return [`${manifest.source}: ${(error as Error).message}`];
  }
}
