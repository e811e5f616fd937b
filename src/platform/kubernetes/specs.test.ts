import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isCluster, validateObject, type Cluster } from '../../api/index.js';
import { clusterPodMonitor, clusterServices, instancePod, instancePvc, instanceServiceAccount, managerSecret, podDisruptionBudgets, podSpecHash } from './specs.js';

function cluster(spec: Record<string, unknown> = {}, name = 'pg'): Cluster {
  const { resource } = validateObject({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name, namespace: 'data', uid: 'u-1' }, spec: { instances: 3, storage: { size: '1Gi' }, ...spec } }, 'kubernetes');
  assert.ok(isCluster(resource));
  return resource;
}

interface Probe {
  httpGet: { path: string; port: number };
  periodSeconds: number;
  timeoutSeconds: number;
  failureThreshold?: number;
  initialDelaySeconds?: number;
}
interface Container {
  name: string;
  image: string;
  imagePullPolicy?: string;
  env: { name: string; value?: string; valueFrom?: unknown }[];
  envFrom?: unknown[];
  resources?: unknown;
  securityContext: Record<string, unknown>;
  startupProbe: Probe;
  livenessProbe: Probe;
  readinessProbe: Probe;
  volumeMounts: { name: string; mountPath: string }[];
}
interface PodSpec {
  securityContext: Record<string, unknown>;
  affinity?: Record<string, unknown>;
  nodeSelector?: Record<string, string>;
  tolerations?: unknown[];
  topologySpreadConstraints?: unknown[];
  priorityClassName?: string;
  schedulerName?: string;
  imagePullSecrets?: { name: string }[];
  containers: Container[];
  volumes: Record<string, unknown>[];
}

function pod(c: Cluster) {
  const built = instancePod(c, { instance: `${c.metadata.name}-1`, serial: 1, image: 'img:15', operatorImage: 'op:1', role: 'primary', configHash: 'c', credentialsHash: 'k' });
  const spec = built.spec as unknown as PodSpec;
  return { built, spec, container: spec.containers.find((x) => x.name === 'postgres')! };
}

test('probes: CloudNativePG defaults, failure thresholds from startDelay and livenessProbeTimeout, spec.probes over them', () => {
  const defaults = pod(cluster()).container;
  assert.deepEqual(
    [defaults.startupProbe, defaults.livenessProbe, defaults.readinessProbe].map((p) => [p.httpGet.path, p.periodSeconds, p.timeoutSeconds, p.failureThreshold]),
    [
      ['/healthz', 10, 5, 360],
      ['/healthz', 10, 5, undefined],
      ['/readyz', 10, 5, undefined],
    ],
  );
  const tuned = pod(cluster({ startDelay: 95, livenessProbeTimeout: 45 })).container;
  assert.equal(tuned.startupProbe.failureThreshold, 10);
  assert.equal(tuned.livenessProbe.failureThreshold, 5);
  assert.equal(pod(cluster({ startDelay: 5 })).container.startupProbe.failureThreshold, 1);
  const user = pod(cluster({ startDelay: 95, probes: { startup: { periodSeconds: 5 }, liveness: { failureThreshold: 7, timeoutSeconds: 0 }, readiness: { initialDelaySeconds: 3, type: 'pg_isready' } } })).container;
  assert.equal(user.startupProbe.periodSeconds, 5);
  assert.equal(user.startupProbe.failureThreshold, 19, 'startDelay over the user period');
  assert.equal(user.livenessProbe.failureThreshold, 7);
  assert.equal(user.livenessProbe.timeoutSeconds, 5, 'a zero keeps the default');
  assert.equal(user.readinessProbe.initialDelaySeconds, 3);
});

test('security: postgresUID/GID and seccompProfile in the Pod context, restricted container defaults, the user contexts over them', () => {
  const d = pod(cluster());
  assert.deepEqual(d.spec.securityContext, { runAsUser: 26, runAsGroup: 26, runAsNonRoot: true, fsGroup: 26, seccompProfile: { type: 'RuntimeDefault' } });
  assert.deepEqual(d.container.securityContext, {
    seccompProfile: { type: 'RuntimeDefault' },
    capabilities: { drop: ['ALL'] },
    privileged: false,
    runAsNonRoot: true,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
  });
  const ids = pod(cluster({ postgresUID: 1001, postgresGID: 1002, seccompProfile: { type: 'Localhost', localhostProfile: 'pg.json' } }));
  assert.deepEqual(ids.spec.securityContext, { runAsUser: 1001, runAsGroup: 1002, runAsNonRoot: true, fsGroup: 1002, seccompProfile: { type: 'Localhost', localhostProfile: 'pg.json' } });
  assert.deepEqual(ids.container.securityContext.seccompProfile, { type: 'Localhost', localhostProfile: 'pg.json' });
  const user = pod(cluster({ podSecurityContext: { fsGroup: 2000, supplementalGroups: [5] }, securityContext: { readOnlyRootFilesystem: false, capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } } }));
  assert.deepEqual(user.spec.securityContext, { fsGroup: 2000, supplementalGroups: [5], runAsUser: 26, runAsGroup: 26, seccompProfile: { type: 'RuntimeDefault' } });
  assert.equal(user.container.securityContext.readOnlyRootFilesystem, false);
  assert.deepEqual(user.container.securityContext.capabilities, { drop: ['ALL'], add: ['NET_BIND_SERVICE'] });
  assert.equal(user.container.securityContext.allowPrivilegeEscalation, false);
});

const generatedTerm = (topologyKey: string) => ({
  labelSelector: {
    matchExpressions: [
      { key: 'cnpg.io/cluster', operator: 'In', values: ['pg'] },
      { key: 'cnpg.io/podRole', operator: 'In', values: ['instance'] },
    ],
  },
  topologyKey,
});

test('affinity: the generated anti-affinity (preferred by default, required, topologyKey, disabled) and the user terms', () => {
  assert.deepEqual(pod(cluster()).spec.affinity, { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: generatedTerm('kubernetes.io/hostname') }] } });
  assert.deepEqual(pod(cluster({ affinity: { podAntiAffinityType: 'required', topologyKey: 'topology.kubernetes.io/zone' } })).spec.affinity, {
    podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [generatedTerm('topology.kubernetes.io/zone')] },
  });
  assert.equal(pod(cluster({ affinity: { enablePodAntiAffinity: false } })).spec.affinity, undefined);
  const nodeAffinity = { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] }] } };
  const extraAnti = { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'other' } }, topologyKey: 'kubernetes.io/hostname' }] };
  const podAffinity = { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, podAffinityTerm: { labelSelector: { matchLabels: { app: 'web' } }, topologyKey: 'kubernetes.io/hostname' } }] };
  const full = pod(cluster({ affinity: { nodeAffinity, additionalPodAntiAffinity: extraAnti, additionalPodAffinity: podAffinity, nodeSelector: { pool: 'db' }, tolerations: [{ key: 'db', operator: 'Exists', effect: 'NoSchedule' }] } })).spec;
  assert.deepEqual(full.affinity, {
    nodeAffinity,
    podAffinity,
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: generatedTerm('kubernetes.io/hostname') }],
      requiredDuringSchedulingIgnoredDuringExecution: extraAnti.requiredDuringSchedulingIgnoredDuringExecution,
    },
  });
  assert.deepEqual(full.nodeSelector, { pool: 'db' });
  assert.deepEqual(full.tolerations, [{ key: 'db', operator: 'Exists', effect: 'NoSchedule' }]);
  for (const key of ['enablePodAntiAffinity', 'podAntiAffinityType', 'additionalPodAffinity']) assert.ok(!JSON.stringify(full).includes(key), `${key} is the Cluster's word, not the Pod's`);
});

test('scheduling and pulling: topologySpreadConstraints, priorityClassName, schedulerName, imagePullPolicy, imagePullSecrets', () => {
  const spread = [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { 'cnpg.io/cluster': 'pg' } } }];
  const p = pod(cluster({ topologySpreadConstraints: spread, priorityClassName: 'db-high', schedulerName: 'bin-packer', imagePullPolicy: 'Always', imagePullSecrets: [{ name: 'regcred' }] }));
  assert.deepEqual(p.spec.topologySpreadConstraints, spread);
  assert.equal(p.spec.priorityClassName, 'db-high');
  assert.equal(p.spec.schedulerName, 'bin-packer');
  assert.deepEqual(p.spec.imagePullSecrets, [{ name: 'regcred' }]);
  assert.equal(p.container.imagePullPolicy, 'Always');
  const d = pod(cluster());
  for (const key of ['topologySpreadConstraints', 'priorityClassName', 'schedulerName', 'imagePullSecrets'] as const) assert.equal(d.spec[key], undefined, key);
  assert.equal(d.container.imagePullPolicy, undefined, "Kubernetes' default");
});

test('environment: spec.env after the operator variables, spec.envFrom; resources on the postgres container', () => {
  const env = [{ name: 'TZ', value: 'Europe/Rome' }, { name: 'API_KEY', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }];
  const envFrom = [{ configMapRef: { name: 'pg-env' } }];
  const resources = { requests: { cpu: '1', memory: '1Gi' }, limits: { memory: '1Gi' } };
  const c = pod(cluster({ env, envFrom, resources })).container;
  assert.deepEqual(c.env.slice(-2), env);
  assert.ok(c.env.findIndex((e) => e.name === 'POD_NAME') < c.env.findIndex((e) => e.name === 'TZ'));
  assert.deepEqual(c.envFrom, envFrom);
  assert.deepEqual(c.resources, resources);
  assert.equal(pod(cluster()).container.envFrom, undefined);
});

test('volumes: scratch from ephemeralVolumeSource or a size-limited emptyDir, /dev/shm in memory, the projected volume at /projected', () => {
  const volume = (p: ReturnType<typeof pod>, name: string) => p.spec.volumes.find((v) => v.name === name);
  const mount = (p: ReturnType<typeof pod>, name: string) => p.container.volumeMounts.find((m) => m.name === name)?.mountPath;
  const d = pod(cluster());
  assert.deepEqual(volume(d, 'scratch'), { name: 'scratch', emptyDir: {} });
  assert.deepEqual(volume(d, 'shm'), { name: 'shm', emptyDir: { medium: 'Memory' } });
  assert.equal(mount(d, 'shm'), '/dev/shm');
  assert.equal(volume(d, 'projected'), undefined);
  const limited = pod(cluster({ ephemeralVolumesSizeLimit: { shm: '256Mi', temporaryData: '1Gi' } }));
  assert.deepEqual(volume(limited, 'scratch'), { name: 'scratch', emptyDir: { sizeLimit: '1Gi' } });
  assert.deepEqual(volume(limited, 'shm'), { name: 'shm', emptyDir: { medium: 'Memory', sizeLimit: '256Mi' } });
  const ephemeral = { volumeClaimTemplate: { spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'scratch', resources: { requests: { storage: '1Gi' } } } } };
  assert.deepEqual(volume(pod(cluster({ ephemeralVolumeSource: ephemeral })), 'scratch'), { name: 'scratch', ephemeral });
  const projected = { sources: [{ configMap: { name: 'extra', items: [{ key: 'a', path: 'a.txt' }] } }, { secret: { name: 'tls' } }] };
  const p = pod(cluster({ projectedVolumeTemplate: projected }));
  assert.deepEqual(volume(p, 'projected'), { name: 'projected', projected });
  assert.equal(mount(p, 'projected'), '/projected');
});

test('inheritedMetadata: on the Pod, PVCs, Services, Secrets, ServiceAccount, PDBs and PodMonitor, under the operator’s own labels', () => {
  const c = cluster({ inheritedMetadata: { labels: { team: 'db', 'cnpg.io/cluster': 'hijack' }, annotations: { 'cost-center': '42' } } });
  const objects = [
    pod(c).built,
    instancePvc(c, 'pg-1', 1, 'PG_DATA'),
    ...clusterServices(c),
    managerSecret(c, 'pg-1', { a: 'b' }),
    instanceServiceAccount(c)!,
    ...podDisruptionBudgets(c),
    clusterPodMonitor(c),
  ];
  for (const o of objects) {
    assert.equal(o.metadata.labels?.team, 'db', `${o.kind}/${o.metadata.name}`);
    assert.equal(o.metadata.labels?.['cnpg.io/cluster'], 'pg', `${o.kind}/${o.metadata.name}: the operator's label wins`);
    assert.equal(o.metadata.annotations?.['cost-center'], '42', `${o.kind}/${o.metadata.name}`);
  }
  assert.equal(pod(cluster()).built.metadata.labels?.team, undefined);
});

test('the Pod records a digest of its spec, which changes with any Pod-level field and not with the init containers', () => {
  const hash = (spec: Record<string, unknown>) => pod(cluster(spec)).built.metadata.annotations?.['cnpg.io/podSpecHash'];
  const base = hash({});
  assert.match(base ?? '', /^[0-9a-f]{16}$/);
  assert.equal(hash({}), base);
  for (const change of [{ env: [{ name: 'TZ', value: 'UTC' }] }, { resources: { requests: { cpu: '2' } } }, { priorityClassName: 'x' }, { affinity: { podAntiAffinityType: 'required' } }, { startDelay: 30 }]) {
    assert.notEqual(hash(change), base, JSON.stringify(change));
  }
  const spec = pod(cluster()).built.spec as Record<string, unknown>;
  assert.equal(podSpecHash({ ...spec, initContainers: [{ name: 'bootstrap-controller', image: 'operator:2' }] }), podSpecHash(spec));
});
