import { describe, expect, it } from 'vitest';

import { adaptForPodman, TransformError, type PodmanKubeOptions } from '../src/kube-transform.js';
import type { KubeObject, PodSpec } from '../src/kube-types.js';

const OPTIONS: PodmanKubeOptions = {
  images: { web: 'localhost/web:test', 'secret-sidecar': 'localhost/secret:test' },
  secretDirs: { 'app-secret': '/tmp/secret-root/app-secret' },
  inlineSecretEnv: true,
  listenEnv: {},
};

function deployment(spec: Partial<PodSpec>): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'app' },
    spec: { template: { spec: { containers: [], ...spec } } },
  };
}

function podSpec(object: KubeObject | undefined): PodSpec {
  return (object?.spec as { template: { spec: PodSpec } }).template.spec;
}

const secret: KubeObject = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'app-secret' },
  stringData: { secret: 'foobar' },
  data: { password: Buffer.from('pw').toString('base64') },
};

describe('adaptForPodman', () => {
  it('should move native sidecars ahead of the containers without their restartPolicy', () => {
    const input = deployment({
      initContainers: [
        { name: 'secret-sidecar', restartPolicy: 'Always' },
        { name: 'setup', image: 'localhost/setup:test' },
      ],
      containers: [{ name: 'web' }],
    });

    const { objects, changes } = adaptForPodman([input], {
      ...OPTIONS,
      images: { ...OPTIONS.images, setup: 'localhost/setup:test' },
    });

    const spec = podSpec(objects[0]);
    expect(spec.containers.map((c) => c.name)).toEqual(['secret-sidecar', 'web']);
    expect(spec.containers[0]).not.toHaveProperty('restartPolicy');
    expect(spec.initContainers?.map((c) => c.name)).toEqual(['setup']);
    expect(changes.some((c) => c.includes('native sidecars secret-sidecar'))).toBe(true);
  });

  it('should replace a secret volume by a hostPath to the Secret layout', () => {
    const input = deployment({
      containers: [{ name: 'web' }],
      volumes: [
        { name: 'secret', secret: { secretName: 'app-secret', defaultMode: 0o400 } },
        { name: 'logs', emptyDir: {} },
      ],
    });

    const { objects, secretMounts } = adaptForPodman([input], OPTIONS);

    expect(podSpec(objects[0]).volumes).toEqual([
      { name: 'secret', hostPath: { path: '/tmp/secret-root/app-secret', type: 'Directory' } },
      { name: 'logs', emptyDir: {} },
    ]);
    expect(secretMounts).toEqual([
      {
        secretName: 'app-secret',
        path: '/tmp/secret-root/app-secret',
        mode: 0o400,
        gid: undefined,
      },
    ]);
  });

  it.each([
    ['defaultMode 0400 with fsGroup 10001', 0o400, 10001, 0o440],
    ['defaultMode 0400 without fsGroup', 0o400, undefined, 0o400],
    ['no defaultMode with fsGroup 2000', undefined, 2000, 0o644],
  ])(
    'should give the Secret files the kubelet mode for %s',
    (_case, defaultMode, fsGroup, mode) => {
      const input = deployment({
        securityContext: fsGroup === undefined ? {} : { fsGroup },
        containers: [{ name: 'web' }],
        volumes: [{ name: 's', secret: { secretName: 'app-secret', defaultMode } }],
      });

      const [mount] = adaptForPodman([input], OPTIONS).secretMounts;

      expect(mount?.mode).toBe(mode);
      expect(mount?.gid).toBe(fsGroup);
    },
  );

  it('should run one replica of a Deployment', () => {
    const input = deployment({ containers: [{ name: 'web' }] });
    (input.spec as { replicas?: number }).replicas = 3;

    const { objects, changes } = adaptForPodman([input], OPTIONS);

    expect((objects[0]?.spec as { replicas?: number }).replicas).toBe(1);
    expect(changes).toContain(
      "Deployment/app: replicas 3 -> 1 (replicas would share the host's ports)",
    );
  });

  it('should bind the named listen address variables to 127.0.0.1', () => {
    const input = deployment({
      containers: [
        { name: 'web', env: [{ name: 'HOST', value: '0.0.0.0' }] },
        { name: 'secret-sidecar' },
      ],
    });
    const listenEnv = { web: 'HOST,METRICS_HOST', 'secret-sidecar': 'HEALTH_HOST' };

    const spec = podSpec(adaptForPodman([input], { ...OPTIONS, listenEnv }).objects[0]);

    expect(spec.containers.map((c) => c.env)).toEqual([
      [
        { name: 'HOST', value: '127.0.0.1' },
        { name: 'METRICS_HOST', value: '127.0.0.1' },
      ],
      [{ name: 'HEALTH_HOST', value: '127.0.0.1' }],
    ]);
  });

  it('should drop container ports and give probes that name one its number', () => {
    const input = deployment({
      containers: [
        {
          name: 'web',
          ports: [{ name: 'http', containerPort: 8080 }],
          readinessProbe: { httpGet: { path: '/readyz', port: 'http' } },
          livenessProbe: { tcpSocket: { port: 9000 } },
        },
      ],
    });

    const [web] = podSpec(adaptForPodman([input], OPTIONS).objects[0]).containers;

    expect(web).not.toHaveProperty('ports');
    expect(web?.readinessProbe).toEqual({ httpGet: { path: '/readyz', port: 8080 } });
    expect(web?.livenessProbe).toEqual({ tcpSocket: { port: 9000 } });
  });

  it.each([
    ['the manifest namespace', 'shop', 'shop'],
    ['"default" without one', undefined, 'default'],
  ])('should set a metadata.namespace fieldRef to %s', (_case, namespace, expected) => {
    const input = deployment({
      containers: [
        {
          name: 'web',
          env: [
            { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
            { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          ],
        },
      ],
    });
    if (namespace) input.metadata = { ...input.metadata, namespace };

    const [web] = podSpec(adaptForPodman([input], OPTIONS).objects[0]).containers;

    expect(web?.env).toEqual([
      { name: 'NS', value: expected },
      { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    ]);
  });

  it('should turn on host networking and set the images built by the test', () => {
    const input = deployment({ containers: [{ name: 'web', imagePullPolicy: 'Always' }] });

    const spec = podSpec(adaptForPodman([input], OPTIONS).objects[0]);

    expect(spec.hostNetwork).toBe(true);
    expect(spec.containers[0]?.image).toBe('localhost/web:test');
    expect(spec.containers[0]?.imagePullPolicy).toBe('IfNotPresent');
  });

  it('should inline secretKeyRef values from data and stringData', () => {
    const input = deployment({
      containers: [
        {
          name: 'web',
          env: [
            { name: 'PLAIN', value: 'x' },
            {
              name: 'REDIS_PASSWORD',
              valueFrom: { secretKeyRef: { name: 'app-secret', key: 'password' } },
            },
          ],
        },
      ],
    });

    const { objects } = adaptForPodman([secret, input], OPTIONS);

    expect(objects.map((o) => o.kind)).toEqual(['Deployment']);
    expect(podSpec(objects[0]).containers[0]?.env).toEqual([
      { name: 'PLAIN', value: 'x' },
      { name: 'REDIS_PASSWORD', value: 'pw' },
    ]);
  });

  it('should keep the Secret and the secretKeyRef when inlining is off', () => {
    const env = [{ name: 'P', valueFrom: { secretKeyRef: { name: 'app-secret', key: 'x' } } }];
    const input = deployment({ containers: [{ name: 'web', env }] });

    const { objects } = adaptForPodman([secret, input], { ...OPTIONS, inlineSecretEnv: false });

    expect(objects.map((o) => o.kind)).toEqual(['Secret', 'Deployment']);
    expect(podSpec(objects[1]).containers[0]?.env).toEqual(env);
  });

  it('should leave out kinds podman does not play and not touch its input', () => {
    const input = deployment({ containers: [{ name: 'web' }] });
    const service: KubeObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'app' } };
    const before = structuredClone(input);

    const { objects, changes } = adaptForPodman([service, input], OPTIONS);

    expect(objects.map((o) => o.kind)).toEqual(['Deployment']);
    expect(changes[0]).toBe('Service/app: left out (podman kube play does not run this kind)');
    expect(input).toEqual(before);
  });

  it.each([
    ['a container without an image', { containers: [{ name: 'other' }] }, 'no image'],
    [
      'a Secret without a host directory',
      {
        containers: [{ name: 'web' }],
        volumes: [{ name: 's', secret: { secretName: 'missing' } }],
      },
      'no host directory',
    ],
  ])('should refuse %s', (_case, spec, message) => {
    expect(() => adaptForPodman([deployment(spec)], OPTIONS)).toThrow(TransformError);
    expect(() => adaptForPodman([deployment(spec)], OPTIONS)).toThrow(message);
  });
});
