import type { Container, KubeObject, PodSpec, SecretObject, Volume } from './kube-types.js';

/**
 * Adapts the project's manifests to what `podman kube play` (4.3) can run, changing only what
 * it cannot, and saying what changed and why. Each change is a workaround for podman, not a
 * fix to the manifests: a real cluster runs them as written.
 */
export interface PodmanKubeOptions {
  /** Image per container name: the images this test built. */
  readonly images: Readonly<Record<string, string>>;
  /** Host directory laid out like a Secret volume, per Secret name. */
  readonly secretDirs: Readonly<Record<string, string>>;
  /** Replace `secretKeyRef` env values by the Secret's own values. */
  readonly inlineSecretEnv: boolean;
  /** Per container name, the env variables (comma-separated) naming where its servers listen. */
  readonly listenEnv: Readonly<Record<string, string>>;
}

/** A Secret mounted as a volume, with the file mode and group the kubelet would give it. */
export interface SecretMount {
  readonly secretName: string;
  readonly path: string;
  readonly mode: number;
  readonly gid: number | undefined;
}

export interface PodmanKube {
  readonly objects: KubeObject[];
  readonly changes: string[];
  readonly secretMounts: SecretMount[];
}

export class TransformError extends Error {
  constructor(
    readonly object: string,
    message: string,
  ) {
    super(`${object}: ${message}`);
    this.name = 'TransformError';
  }
}

const WORKLOAD_KINDS = new Set(['Pod', 'Deployment']);

// podman 4.3 plays Pod, Deployment, PersistentVolumeClaim, ConfigMap and Secret objects.
const PLAYABLE_KINDS = new Set([...WORKLOAD_KINDS, 'ConfigMap', 'PersistentVolumeClaim']);

export function adaptForPodman(objects: KubeObject[], options: PodmanKubeOptions): PodmanKube {
  const changes: string[] = [];
  const secretMounts: SecretMount[] = [];
  const secrets = new Map<string, SecretObject>();
  for (const object of objects) {
    if (object.kind === 'Secret') secrets.set(nameOf(object), object as SecretObject);
  }

  const kept: KubeObject[] = [];
  for (const object of objects) {
    const label = labelOf(object);
    if (object.kind === 'Secret' && options.inlineSecretEnv) {
      changes.push(`${label}: left out (mounted as a hostPath; secretKeyRef values inlined)`);
      continue;
    }
    if (object.kind !== 'Secret' && !PLAYABLE_KINDS.has(object.kind ?? '')) {
      changes.push(`${label}: left out (podman kube play does not run this kind)`);
      continue;
    }

    const copy = structuredClone(object);
    if (copy.kind === 'Deployment') runOneReplica(copy, label, changes);
    if (WORKLOAD_KINDS.has(copy.kind ?? '')) {
      const context = { ...options, secrets, namespace: copy.metadata?.namespace ?? 'default' };
      adaptPodSpec(podSpecOf(copy, label), label, context, changes, secretMounts);
    }
    kept.push(copy);
  }

  return { objects: kept, changes, secretMounts };
}

interface SpecContext extends PodmanKubeOptions {
  readonly secrets: ReadonlyMap<string, SecretObject>;
  readonly namespace: string;
}

function adaptPodSpec(
  spec: PodSpec,
  label: string,
  context: SpecContext,
  changes: string[],
  secretMounts: SecretMount[],
): void {
  moveNativeSidecars(spec, label, changes);
  useHostNetwork(spec, label, changes);
  secretMounts.push(...mountSecretsFromHost(spec, label, context, changes));

  for (const container of spec.containers) {
    setImage(container, label, context, changes);
    listenOnLoopback(container, label, context, changes);
    dropContainerPorts(container, label, changes);
    setNamespaceEnv(container, label, context, changes);
    if (context.inlineSecretEnv) inlineSecretEnv(container, label, context, changes);
  }
}

// With host networking a server listening on 0.0.0.0 would be open on every address of this
// machine; the test binds each container's servers to 127.0.0.1 instead.
function listenOnLoopback(
  container: Container,
  label: string,
  context: SpecContext,
  changes: string[],
): void {
  const names = (context.listenEnv[container.name] ?? '').split(',').filter(Boolean);
  const env = (container.env ??= []);

  for (const name of names) {
    const existing = env.find((variable) => variable.name === name);
    const before = existing ? (existing.value ?? '(from a reference)') : '(unset)';
    if (existing) {
      existing.value = '127.0.0.1';
      delete existing.valueFrom;
    } else {
      env.push({ name, value: '127.0.0.1' });
    }
    changes.push(
      `${label}: container ${container.name} env ${name} ${before} -> 127.0.0.1 ` +
        "(host networking would open its listeners on the machine's network)",
    );
  }
}

// podman 4.3 plays every replica, and with host networking they would all bind the same
// ports; in a cluster each pod has its own network namespace.
function runOneReplica(deployment: KubeObject, label: string, changes: string[]): void {
  const spec = deployment.spec as { replicas?: number } | undefined;
  if (!spec || (spec.replicas ?? 1) <= 1) return;

  changes.push(`${label}: replicas ${spec.replicas} -> 1 (replicas would share the host's ports)`);
  spec.replicas = 1;
}

// podman 4.3 turns each containerPort into a host port mapping, which it refuses beside host
// networking. With host networking every port is reachable without one; probes that name a
// port get its number.
function dropContainerPorts(container: Container, label: string, changes: string[]): void {
  const ports = container.ports as { name?: string; containerPort: number }[] | undefined;
  if (!ports || ports.length === 0) return;

  const byName = new Map(ports.filter((p) => p.name).map((p) => [p.name, p.containerPort]));
  for (const probeName of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
    const probe = container[probeName] as
      { httpGet?: { port?: unknown }; tcpSocket?: { port?: unknown } } | undefined;
    for (const action of [probe?.httpGet, probe?.tcpSocket]) {
      if (action && typeof action.port === 'string' && byName.has(action.port)) {
        action.port = byName.get(action.port);
      }
    }
  }

  delete container.ports;
  const list = ports.map((p) => (p.name ? `${p.name}=${p.containerPort}` : p.containerPort));
  changes.push(
    `${label}: container ${container.name} ports ${list.join(', ')} removed, probes use the ` +
      'numbers (podman 4.3 maps each containerPort to a host port, refused with hostNetwork)',
  );
}

// podman 4.3 resolves the Downward API's metadata.name but not metadata.namespace.
function setNamespaceEnv(
  container: Container,
  label: string,
  context: SpecContext,
  changes: string[],
): void {
  for (const variable of container.env ?? []) {
    const fieldRef = variable.valueFrom?.fieldRef as { fieldPath?: string } | undefined;
    if (fieldRef?.fieldPath !== 'metadata.namespace') continue;

    variable.value = context.namespace;
    delete variable.valueFrom;
    changes.push(
      `${label}: container ${container.name} env ${variable.name} from fieldRef ` +
        `metadata.namespace -> "${context.namespace}" (podman 4.3 does not resolve it)`,
    );
  }
}

// podman 4.3 runs init containers to completion before the others; a native sidecar
// (restartPolicy: Always, Kubernetes 1.29+) never completes, so the pod would never start.
function moveNativeSidecars(spec: PodSpec, label: string, changes: string[]): void {
  const sidecars = (spec.initContainers ?? []).filter((c) => c.restartPolicy === 'Always');
  if (sidecars.length === 0) return;

  const plainInits = (spec.initContainers ?? []).filter((c) => c.restartPolicy !== 'Always');
  for (const sidecar of sidecars) delete sidecar.restartPolicy;
  spec.containers = [...sidecars, ...spec.containers];
  if (plainInits.length > 0) spec.initContainers = plainInits;
  else delete spec.initContainers;

  const names = sidecars.map((c) => c.name).join(', ');
  changes.push(
    `${label}: native sidecars ${names} moved from initContainers (restartPolicy: Always) ` +
      'to containers (podman 4.3 would wait for them to exit)',
  );
}

// Host networking keeps every listener of the pod on this machine's 127.0.0.1, the only
// address this test may talk to; in a cluster the pod has a network namespace of its own.
function useHostNetwork(spec: PodSpec, label: string, changes: string[]): void {
  if (spec.hostNetwork === true) return;

  spec.hostNetwork = true;
  changes.push(`${label}: hostNetwork: true (the test reaches the pod on 127.0.0.1 only)`);
}

// podman 4.3 crashes (nil pointer) on a pod with a `secret:` volume; a hostPath laid out like
// a Secret volume (`..data` symlink to a timestamped directory) gives the same files. The
// files get the mode and group the kubelet gives them: defaultMode (0644 unless set), and with
// the pod's fsGroup, that group plus group read (the volume is read-only).
function mountSecretsFromHost(
  spec: PodSpec,
  label: string,
  context: SpecContext,
  changes: string[],
): SecretMount[] {
  const mounts: SecretMount[] = [];
  const fsGroup = (spec.securityContext as { fsGroup?: number } | undefined)?.fsGroup;

  spec.volumes = (spec.volumes ?? []).map((volume): Volume => {
    if (!volume.secret) return volume;

    const secretName = volume.secret.secretName ?? '';
    const path = context.secretDirs[secretName];
    if (!path) {
      throw new TransformError(label, `no host directory for Secret "${secretName}"`);
    }
    if (volume.secret.items) {
      throw new TransformError(label, `volume "${volume.name}" uses items, not supported here`);
    }

    const defaultMode = (volume.secret.defaultMode as number | undefined) ?? 0o644;
    const mode = fsGroup === undefined ? defaultMode : defaultMode | 0o440;
    mounts.push({ secretName, path, mode, gid: fsGroup });
    changes.push(
      `${label}: volume ${volume.name} (secret ${secretName}) -> hostPath ${path} in the ` +
        `Secret volume layout, files mode 0${mode.toString(8)}` +
        (fsGroup === undefined ? '' : ` group ${fsGroup}`) +
        ' (podman 4.3 crashes on secret volumes)',
    );
    return { name: volume.name, hostPath: { path, type: 'Directory' } };
  });
  return mounts;
}

function setImage(
  container: Container,
  label: string,
  context: SpecContext,
  changes: string[],
): void {
  const image = context.images[container.name];
  if (!image) throw new TransformError(label, `no image for container "${container.name}"`);

  const before = container.image ?? '(none)';
  container.image = image;
  changes.push(`${label}: container ${container.name} image ${before} -> ${image} (built here)`);

  // Always would make podman pull, and the images exist only in local storage.
  if (container.imagePullPolicy === 'Always') {
    container.imagePullPolicy = 'IfNotPresent';
    changes.push(`${label}: container ${container.name} imagePullPolicy Always -> IfNotPresent`);
  }
}

function inlineSecretEnv(
  container: Container,
  label: string,
  context: SpecContext,
  changes: string[],
): void {
  for (const variable of container.env ?? []) {
    const ref = variable.valueFrom?.secretKeyRef;
    if (!ref) continue;

    const secret = context.secrets.get(ref.name);
    const value = secret ? secretValues(secret)[ref.key] : undefined;
    if (value === undefined) {
      throw new TransformError(label, `env ${variable.name}: no key ${ref.key} in ${ref.name}`);
    }

    variable.value = value.toString('utf8');
    delete variable.valueFrom;
    changes.push(
      `${label}: container ${container.name} env ${variable.name} from secretKeyRef ` +
        `${ref.name}/${ref.key} -> literal value of the manifest's Secret ` +
        '(podman 4.3 cannot resolve it)',
    );
  }
}

/** The decoded files of a Secret: `data` is base64, `stringData` plain and wins on conflict. */
export function secretValues(secret: SecretObject): Record<string, Buffer> {
  const values: Record<string, Buffer> = {};
  for (const [key, encoded] of Object.entries(secret.data ?? {})) {
    values[key] = Buffer.from(encoded, 'base64');
  }
  for (const [key, text] of Object.entries(secret.stringData ?? {})) {
    values[key] = Buffer.from(text, 'utf8');
  }
  return values;
}

function podSpecOf(object: KubeObject, label: string): PodSpec {
  const spec = object.spec as { containers?: unknown; template?: { spec?: PodSpec } } | undefined;
  const podSpec = object.kind === 'Pod' ? (spec as PodSpec | undefined) : spec?.template?.spec;
  if (!podSpec || !Array.isArray(podSpec.containers)) {
    throw new TransformError(label, 'no pod spec with containers');
  }
  return podSpec;
}

function nameOf(object: KubeObject): string {
  return object.metadata?.name ?? '';
}

function labelOf(object: KubeObject): string {
  return `${object.kind ?? '(no kind)'}/${nameOf(object) || '(no name)'}`;
}
