/**
 * The parts of Kubernetes objects that the podman adaptation reads or changes. Everything else
 * passes through untouched, so the types stay open.
 */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; [field: string]: unknown };
  [field: string]: unknown;
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name: string; key: string; optional?: boolean };
    [source: string]: unknown;
  };
}

export interface Container {
  name: string;
  image?: string;
  imagePullPolicy?: string;
  restartPolicy?: string;
  env?: EnvVar[];
  [field: string]: unknown;
}

export interface Volume {
  name: string;
  secret?: { secretName?: string; items?: unknown[]; [field: string]: unknown };
  hostPath?: { path: string; type?: string };
  [source: string]: unknown;
}

export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  volumes?: Volume[];
  hostNetwork?: boolean;
  [field: string]: unknown;
}

export interface SecretObject extends KubeObject {
  kind: 'Secret';
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}
