import { dirname } from 'node:path';

import type { Secret } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';

import { variablesReadBy } from './support/env-contract.js';
import { findManifest, loadManifests } from './support/manifests.js';
import {
  containerNamed,
  containersOf,
  deploymentOf,
  envValue,
  envVar,
  podTemplateOf,
  probePort,
  quantity,
} from './support/pod.js';
import { CONTAINERS, RELEASE, RUNTIME_UID } from './support/repo.js';

const manifests = loadManifests();
const deployment = deploymentOf(manifests);
const pod = podTemplateOf(manifests);

// The health port each container serves /healthz and /readyz on (the design contract).
const HEALTH_PORTS = { web: 8080, 'secret-sidecar': 8081, 'log-sidecar': 8082 };
// The port and the container port's name of each container's GET /metrics.
const METRICS = {
  web: { port: 9101, name: 'web-metrics' },
  'secret-sidecar': { port: 9102, name: 'secret-metrics' },
  'log-sidecar': { port: 9103, name: 'log-metrics' },
};
// A container port's name is an IANA_SVC_NAME (Kubernetes validation): at most 15 lower-case
// letters, digits and single hyphens inside, with at least one letter.
const PORT_NAME = /^(?=.*[a-z])[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){0,14}$/;

describe('k8s pod: containers', () => {
  it('should run log-sidecar, then secret-sidecar as native sidecars, with web as main', () => {
    const sidecars = pod.spec.initContainers ?? [];

    expect(sidecars.map((c) => c.name)).toEqual(['log-sidecar', 'secret-sidecar']);
    expect(sidecars.map((c) => c.restartPolicy)).toEqual(['Always', 'Always']);
    expect(pod.spec.containers.map((c) => c.name)).toEqual(['web']);
  });

  it('should hold web back until secret-sidecar answers /readyz (seeded)', () => {
    const sidecar = containerNamed(pod.spec, 'secret-sidecar');
    const probe = sidecar.startupProbe!;

    expect(probe.httpGet?.path).toBe('/readyz');
    expect(probePort(sidecar, probe)).toBe(8081);
  });

  it.each(CONTAINERS)('should run %s from its pinned image, pulled only when absent', (name) => {
    const container = containerNamed(pod.spec, name);

    expect(container.image).toBe(`sidecar-pod/${name}:${RELEASE}`);
    expect(container.imagePullPolicy).toBe('IfNotPresent');
  });

  it.each(CONTAINERS)('should run %s as uid 10001, read-only, without privileges', (name) => {
    const context = containerNamed(pod.spec, name).securityContext;

    expect(context).toMatchObject({
      runAsNonRoot: true,
      runAsUser: RUNTIME_UID,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(context?.privileged).not.toBe(true);
    expect(context?.capabilities?.add ?? []).toEqual([]);
  });

  it('should set the restricted profile for the whole pod too', () => {
    expect(pod.spec.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: RUNTIME_UID,
      fsGroup: RUNTIME_UID,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.spec.automountServiceAccountToken).toBe(false);
    expect(pod.spec.hostNetwork ?? false).toBe(false);
  });

  it.each(CONTAINERS)('should probe %s for liveness and readiness on its health port', (name) => {
    const container = containerNamed(pod.spec, name);
    const { livenessProbe, readinessProbe } = container;

    expect(livenessProbe?.httpGet?.path).toBe('/healthz');
    expect(readinessProbe?.httpGet?.path).toBe('/readyz');
    expect(probePort(container, livenessProbe!)).toBe(HEALTH_PORTS[name]);
    expect(probePort(container, readinessProbe!)).toBe(HEALTH_PORTS[name]);
  });

  it.each(CONTAINERS)('should give %s CPU and memory requests within its limits', (name) => {
    const { requests = {}, limits = {} } = containerNamed(pod.spec, name).resources ?? {};

    for (const resource of ['cpu', 'memory']) {
      expect(requests[resource], `${resource} request`).toBeDefined();
      expect(limits[resource], `${resource} limit`).toBeDefined();
      expect(quantity(requests[resource]!)).toBeLessThanOrEqual(quantity(limits[resource]!));
    }
  });

  it.each(CONTAINERS)('should set on %s only variables that its code reads', (name) => {
    const read = variablesReadBy(name);
    const set = (containerNamed(pod.spec, name).env ?? []).map((variable) => variable.name);

    expect(set.filter((variable) => !read.has(variable))).toEqual([]);
  });

  it.each(CONTAINERS)("should give %s its pod's name from the Downward API", (name) => {
    const variable = envVar(containerNamed(pod.spec, name), 'POD_NAME');

    expect(variable?.valueFrom?.fieldRef?.fieldPath).toBe('metadata.name');
  });

  it('should give log-sidecar its namespace (Downward API) and the shipped container', () => {
    const sidecar = containerNamed(pod.spec, 'log-sidecar');

    expect(envVar(sidecar, 'POD_NAMESPACE')?.valueFrom?.fieldRef?.fieldPath).toBe(
      'metadata.namespace',
    );
    expect(envValue(sidecar, 'CONTAINER_NAME')).toBe('web');
  });

  it.each(CONTAINERS)('should mount a writable /tmp into %s', (name) => {
    const mount = containerNamed(pod.spec, name).volumeMounts?.find((m) => m.mountPath === '/tmp');

    expect(mount).toBeDefined();
    expect(mount?.readOnly ?? false).toBe(false);
  });
});

describe('k8s pod: Secret and credentials', () => {
  const secretVolumes = (pod.spec.volumes ?? []).filter((volume) => volume.secret);

  it('should mount the Secret into secret-sidecar only, as a whole read-only directory', () => {
    expect(secretVolumes.map((v) => v.secret?.secretName)).toEqual(['sidecar-pod-secret']);

    const volume = secretVolumes[0]!.name;
    const mounts = containersOf(pod.spec).flatMap((container) =>
      (container.volumeMounts ?? [])
        .filter((mount) => mount.name === volume)
        .map((mount) => ({ container: container.name, ...mount })),
    );
    const sidecar = containerNamed(pod.spec, 'secret-sidecar');

    expect(mounts).toEqual([
      {
        container: 'secret-sidecar',
        name: volume,
        mountPath: envValue(sidecar, 'SECRET_DIR'),
        readOnly: true,
      },
    ]);
  });

  it('should make the Secret files 0400, readable through fsGroup 10001', () => {
    expect(secretVolumes[0]!.secret?.defaultMode).toBe(0o400);
    expect(pod.spec.securityContext?.fsGroup).toBe(RUNTIME_UID);
  });

  it("should seed web's key, in both seed formats of the sample Secret", () => {
    const secret = findManifest(manifests, 'Secret', 'sidecar-pod-secret').object as Secret;
    const web = containerNamed(pod.spec, 'web');

    expect(Object.keys(secret.stringData ?? {}).sort()).toEqual(['init.redis', 'secret']);
    expect(secret.stringData?.[envValue(web, 'SECRET_KEY')!]).toBe('foobar');
  });

  it('should hand web and secret-sidecar the same Redis password and user', () => {
    const web = containerNamed(pod.spec, 'web');
    const sidecar = containerNamed(pod.spec, 'secret-sidecar');
    const webRef = envVar(web, 'REDIS_PASSWORD')?.valueFrom?.secretKeyRef;
    const sidecarRef = envVar(sidecar, 'WEB_REDIS_PASSWORD')?.valueFrom?.secretKeyRef;
    const credentials = findManifest(manifests, 'Secret', webRef?.name).object as Secret;

    expect(webRef).toEqual({ name: 'redis-web-credentials', key: 'password' });
    expect(sidecarRef).toEqual(webRef);
    expect(credentials.stringData?.[webRef!.key]).toBeTruthy();
    expect(envValue(web, 'REDIS_USERNAME')).toBe(envValue(sidecar, 'WEB_REDIS_USER') ?? 'web');
    expect(envValue(web, 'REDIS_URL')).toBe('redis://127.0.0.1:6379');
  });

  it('should keep service links off, which could set REDIS_PORT to a Service address', () => {
    expect(pod.spec.enableServiceLinks).toBe(false);
  });
});

describe('k8s pod: volumes and shutdown', () => {
  const web = containerNamed(pod.spec, 'web');
  const logSidecar = containerNamed(pod.spec, 'log-sidecar');

  it("should share web's log folder with log-sidecar, read-only there", () => {
    const webMount = web.volumeMounts?.find(
      (m) => m.mountPath === dirname(envValue(web, 'LOG_FILE')!),
    );
    const sidecarMount = logSidecar.volumeMounts?.find(
      (m) => m.mountPath === envValue(logSidecar, 'LOG_DIR'),
    );
    const volume = pod.spec.volumes?.find((v) => v.name === webMount?.name);

    expect(sidecarMount?.name).toBe(webMount?.name);
    expect(webMount?.readOnly ?? false).toBe(false);
    expect(sidecarMount?.readOnly).toBe(true);
    expect(volume?.emptyDir?.sizeLimit).toBeDefined();
  });

  it("should fit three copies of web.log in the log volume's sizeLimit", () => {
    const volumeName = web.volumeMounts?.find((m) => m.mountPath === '/var/log/app')?.name;
    const sizeLimit = pod.spec.volumes?.find((v) => v.name === volumeName)?.emptyDir?.sizeLimit;
    const maxBytes = Number(envValue(web, 'LOG_FILE_MAX_BYTES'));

    // web.log, web.log.1 and a replaced web.log.1 that log-sidecar may still hold open.
    expect(maxBytes).toBeGreaterThan(0);
    expect(3 * maxBytes).toBeLessThan(quantity(sizeLimit ?? '0'));
  });

  it("should keep log-sidecar's checkpoints on an emptyDir, which outlives its restarts", () => {
    const mount = logSidecar.volumeMounts?.find(
      (m) => m.mountPath === envValue(logSidecar, 'STATE_DIR'),
    );
    const volume = pod.spec.volumes?.find((v) => v.name === mount?.name);

    expect(volume?.emptyDir).toBeDefined();
  });

  it("should fit web's preStop pause and drain and log-sidecar's flush in the grace", () => {
    const preStop = web.lifecycle?.preStop?.sleep?.seconds ?? 0;
    const webDrain = Number(envValue(web, 'SHUTDOWN_TIMEOUT_MS')) / 1000;
    const logFlush = Number(envValue(logSidecar, 'SHUTDOWN_TIMEOUT_MS')) / 1000;
    // secret-sidecar stops in between; kubelet gives each sidecar at least 2 s (KEP-753).
    const secretSidecarStop = 2;

    expect(preStop).toBeGreaterThan(0);
    expect(pod.spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(
      preStop + webDrain + secretSidecarStop + logFlush,
    );
  });
});

describe('k8s pod: metrics', () => {
  const ports = containersOf(pod.spec).flatMap((container) =>
    (container.ports ?? []).map((port) => ({ container: container.name, ...port })),
  );

  it.each(CONTAINERS)('should read METRICS_HOST and METRICS_PORT in the code of %s', (name) => {
    const read = variablesReadBy(name);

    expect([...read].filter((variable) => variable.startsWith('METRICS_')).sort()).toEqual([
      'METRICS_HOST',
      'METRICS_PORT',
    ]);
  });

  it.each(CONTAINERS)("should open %s's metrics on the pod IP, on a named port", (name) => {
    const container = containerNamed(pod.spec, name);
    const { port, name: portName } = METRICS[name];

    // The processes default to 127.0.0.1, which Prometheus cannot reach from outside the pod.
    expect(envValue(container, 'METRICS_HOST')).toBe('0.0.0.0');
    expect(envValue(container, 'METRICS_PORT')).toBe(String(port));
    expect(container.ports).toContainEqual({ name: portName, containerPort: port });
  });

  it('should give every container port of the pod its own valid name and number', () => {
    const names = ports.map((port) => port.name);
    const numbers = ports.map((port) => port.containerPort);

    expect(names.filter((name) => !PORT_NAME.test(name ?? ''))).toEqual([]);
    expect(new Set(names).size).toBe(names.length);
    expect(new Set(numbers).size).toBe(numbers.length);
  });

  it.each(['web-metrics', 'secret-metrics', 'log-metrics', 'a', 'abc-123'])(
    'should accept %s as a port name',
    (name) => expect(name).toMatch(PORT_NAME),
  );

  it.each(['metrics-of-secret', 'Metrics', '-metrics', 'metrics-', 'web--metrics', '9101'])(
    'should refuse %s as a port name',
    (name) => expect(name).not.toMatch(PORT_NAME),
  );

  it("should annotate the pod for prometheus.io scraping of web's metrics port", () => {
    const annotations = deployment.spec?.template.metadata?.annotations ?? {};
    const web = ports.find((port) => port.name === METRICS.web.name);

    expect(annotations).toMatchObject({
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': String(web?.containerPort),
      'prometheus.io/path': '/metrics',
    });
  });

  it("should keep the metrics ports off the Service, which serves web's http port only", () => {
    const service = findManifest(manifests, 'Service').object as {
      spec: { ports: { targetPort: string | number }[] };
    };
    const metricsPorts = Object.values(METRICS).flatMap(({ name, port }) => [name, port]);

    expect(service.spec.ports.filter((p) => metricsPorts.includes(p.targetPort))).toEqual([]);
  });
});

describe('k8s rollout, scaling and labels', () => {
  const selector = {
    'app.kubernetes.io/name': 'sidecar-pod',
    'app.kubernetes.io/instance': 'sidecar-pod',
  };

  it('should add a pod before removing one during a rollout', () => {
    expect(deployment.spec?.replicas).toBe(2);
    expect(deployment.spec?.strategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxUnavailable: 0, maxSurge: 1 },
    });
  });

  it('should prefer spreading pods over nodes without refusing to schedule', () => {
    expect(pod.spec.topologySpreadConstraints).toEqual([
      expect.objectContaining({
        topologyKey: 'kubernetes.io/hostname',
        whenUnsatisfiable: 'ScheduleAnyway',
        labelSelector: { matchLabels: selector },
      }),
    ]);
  });

  it.each(manifests.map((m) => [m.source, m] as const))(
    'should label %s with the five recommended labels',
    (_source, manifest) => {
      const labels = (manifest.object.metadata as { labels?: Record<string, string> }).labels;

      expect(labels).toMatchObject({
        ...selector,
        'app.kubernetes.io/component': expect.any(String),
        'app.kubernetes.io/part-of': 'sidecar-pod',
        'app.kubernetes.io/version': RELEASE,
      });
    },
  );

  it('should select pods by name and instance only, which a release does not change', () => {
    const service = findManifest(manifests, 'Service').object as { spec: { selector: object } };
    const pdb = findManifest(manifests, 'PodDisruptionBudget').object as {
      spec: { selector: { matchLabels: object }; minAvailable: number };
    };

    expect(deployment.spec?.selector.matchLabels).toEqual(selector);
    expect(service.spec.selector).toEqual(selector);
    expect(pdb.spec.selector.matchLabels).toEqual(selector);
    expect(pod.labels).toMatchObject({ ...selector, 'app.kubernetes.io/version': RELEASE });
  });

  it("should route Service port 80 to web's named port 8080", () => {
    const service = findManifest(manifests, 'Service').object as {
      spec: { type: string; ports: { name: string; port: number; targetPort: string }[] };
    };
    const [port] = service.spec.ports;

    expect(service.spec.type).toBe('ClusterIP');
    expect(service.spec.ports).toHaveLength(1);
    expect(port).toMatchObject({ name: 'http', port: 80 });
    expect(
      containerNamed(pod.spec, 'web').ports?.find((p) => p.name === port?.targetPort),
    ).toMatchObject({ containerPort: 8080 });
  });

  it("should scale the Deployment on web's CPU, never below its replica count", () => {
    const hpa = findManifest(manifests, 'HorizontalPodAutoscaler').object as {
      spec: {
        scaleTargetRef: { kind: string; name: string };
        minReplicas: number;
        maxReplicas: number;
        metrics: { type: string; containerResource?: { name: string; container: string } }[];
      };
    };
    const pdb = findManifest(manifests, 'PodDisruptionBudget').object as {
      spec: { minAvailable: number };
    };

    expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: 'sidecar-pod' });
    expect(hpa.spec.metrics).toEqual([
      expect.objectContaining({
        type: 'ContainerResource',
        containerResource: expect.objectContaining({ name: 'cpu', container: 'web' }),
      }),
    ]);
    expect(hpa.spec.minReplicas).toBe(deployment.spec?.replicas);
    expect(pdb.spec.minAvailable).toBeLessThan(hpa.spec.minReplicas);
  });
});
