// The real node's CSI storage (scripts/real-node/node.sh: our driver tools/csi-hostpath with
// kubernetes-csi's csi-provisioner, csi-snapshotter and snapshot-controller), used as a user would
// through the Kubernetes API only: a PVC on the csi-hostpath StorageClass, a Pod writing to it, a
// VolumeSnapshot taken while that Pod still runs, a PVC restored from the snapshot and read by
// another Pod, and the snapshot's and the volumes' deletion reaching the driver's folders. The
// operator's volume-snapshot backups and recoveries stand on exactly these calls.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { realNodeUnavailable, startRealNode, type RealNode } from '../support/real-node.js';

const NS = 'csi-e2e';
const unavailable = realNodeUnavailable();
let node: RealNode;

before(async () => {
  if (unavailable) return;
  node = await startRealNode({ name: 'csi' });
});

after(async () => {
  await node?.stop();
});

const dataDir = () => join(node.stateDir, 'csi', 'data');

function pvc(name: string, dataSource = ''): string {
  return `apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: ${name}, namespace: ${NS}}
spec:
  storageClassName: csi-hostpath
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 64Mi}}
${dataSource}`;
}

function pod(name: string, claim: string, script: string, restartPolicy: 'Never' | 'Always'): string {
  return `apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: ${NS}}
spec:
  restartPolicy: ${restartPolicy}
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: ${node.images.busybox}
    imagePullPolicy: Never
    command: [sh, -c, ${JSON.stringify(script)}]
    volumeMounts: [{name: data, mountPath: /data}]
  volumes:
  - name: data
    persistentVolumeClaim: {claimName: ${claim}}
`;
}

async function waitFor(what: string, args: string[], timeoutS = 120): Promise<void> {
  await node.kubectl(['wait', '-n', NS, `--timeout=${timeoutS}s`, ...args], undefined, (timeoutS + 30) * 1000).catch((e: Error) => {
    throw new Error(`waiting for ${what}: ${e.message}`);
  });
}

async function get(args: string[], jsonpath: string): Promise<string> {
  return (await node.kubectl(['get', '-n', NS, ...args, '-o', `jsonpath=${jsonpath}`])).trim();
}

test('the node offers the csi-hostpath StorageClass and VolumeSnapshotClass, and the kubelet has registered the driver', { skip: unavailable, timeout: 60_000 }, async () => {
  assert.equal(await get(['storageclass', 'csi-hostpath'], '{.provisioner}'), 'csi-hostpath.cnpg-ts');
  assert.equal(await get(['volumesnapshotclass', 'csi-hostpath'], '{.driver} {.deletionPolicy}'), 'csi-hostpath.cnpg-ts Delete');
  assert.match(await get(['csinode', 'node1'], '{.spec.drivers[*].name}'), /\bcsi-hostpath\.cnpg-ts\b/);
});

test('a VolumeSnapshot of a PVC in use restores, into a new PVC, the data as it was when taken', { skip: unavailable, timeout: 600_000 }, async (t) => {
  await node.kubectl(['create', 'namespace', NS]);
  await node.kubectl(['apply', '-f', '-'], pvc('data'));
  await waitFor('PVC data Bound', ['--for=jsonpath={.status.phase}=Bound', 'pvc/data']);
  const volumeId = await get(['pv', await get(['pvc', 'data'], '{.spec.volumeName}')], '{.spec.csi.volumeHandle}');
  assert.ok(existsSync(join(dataDir(), 'volumes', volumeId)), `the driver has no folder for volume ${volumeId}`);

  // The writer keeps running (and keeps the volume mounted) while the snapshot is taken, as an
  // online backup of a running instance would.
  await node.kubectl(['apply', '-f', '-'], pod('writer', 'data', 'echo before-snapshot > /data/f && touch /data/written && exec sleep 3600', 'Always'));
  await waitFor('Pod writer Ready', ['--for=condition=Ready', 'pod/writer']);
  for (let i = 0; ; i++) {
    const r = await node.run('kubectl', ['exec', '-n', NS, 'writer', '--', 'cat', '/data/written']);
    if (r.code === 0) break;
    assert.ok(i < 60, `the writer never wrote: ${r.stderr}`);
    await sleep(500);
  }

  const t0 = performance.now();
  await node.kubectl(['apply', '-f', '-'], `apiVersion: snapshot.storage.k8s.io/v1
kind: VolumeSnapshot
metadata: {name: snap, namespace: ${NS}}
spec:
  volumeSnapshotClassName: csi-hostpath
  source: {persistentVolumeClaimName: data}
`);
  await waitFor('VolumeSnapshot snap readyToUse', ['--for=jsonpath={.status.readyToUse}=true', 'volumesnapshot/snap']);
  t.diagnostic(`VolumeSnapshot readyToUse after ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  assert.equal(await get(['volumesnapshot', 'snap'], '{.status.restoreSize}'), '64Mi');
  const content = await get(['volumesnapshot', 'snap'], '{.status.boundVolumeSnapshotContentName}');
  const snapshotId = await get(['volumesnapshotcontent', content], '{.status.snapshotHandle}');
  assert.ok(existsSync(join(dataDir(), 'snapshots', snapshotId, 'f')), `the driver has no copy for snapshot ${snapshotId}`);

  // Written after the snapshot: the restored volume must not see it.
  await node.kubectl(['exec', '-n', NS, 'writer', '--', 'sh', '-c', 'echo after-snapshot > /data/f']);

  await node.kubectl(['apply', '-f', '-'], pvc('restored', `  dataSource: {apiGroup: snapshot.storage.k8s.io, kind: VolumeSnapshot, name: snap}\n`));
  await waitFor('PVC restored Bound', ['--for=jsonpath={.status.phase}=Bound', 'pvc/restored']);
  await node.kubectl(['apply', '-f', '-'], pod('reader', 'restored', 'cat /data/f', 'Never'));
  await waitFor('Pod reader Succeeded', ['--for=jsonpath={.status.phase}=Succeeded', 'pod/reader']);
  assert.equal((await node.kubectl(['logs', '-n', NS, 'reader'])).trim(), 'before-snapshot');
  const live = await node.kubectl(['exec', '-n', NS, 'writer', '--', 'cat', '/data/f']);
  assert.equal(live.trim(), 'after-snapshot', 'the source volume keeps its own later write');

  // deletionPolicy Delete: the content and the driver's copy go with the VolumeSnapshot.
  await node.kubectl(['delete', '-n', NS, 'volumesnapshot', 'snap', '--wait=true', '--timeout=120s']);
  await waitFor('VolumeSnapshotContent deleted', ['--for=delete', `volumesnapshotcontent/${content}`]);
  assert.ok(!existsSync(join(dataDir(), 'snapshots', snapshotId)), `snapshot ${snapshotId}'s folder is still there`);
  assert.ok(!existsSync(join(dataDir(), 'snapshots', `${snapshotId}.json`)), `snapshot ${snapshotId}'s record is still there`);
});

test('deleting the PVCs deletes their volumes (reclaimPolicy Delete) and unmounts them', { skip: unavailable, timeout: 300_000 }, async () => {
  await node.kubectl(['delete', 'namespace', NS, '--wait=true', '--timeout=180s'], undefined, 240_000);
  for (let i = 0; ; i++) {
    const left = readdirSync(join(dataDir(), 'volumes'));
    const pvs = (await node.kubectl(['get', 'pv', '-o', 'name'])).trim();
    if (left.length === 0 && pvs === '') break;
    assert.ok(i < 120, `left after the namespace's deletion: folders [${left.join(', ')}], PVs [${pvs}]`);
    await sleep(500);
  }
  // Where the kubelet has the driver mount CSI volumes for Pods: nothing may stay mounted there.
  const mounts = (await node.run('cat', ['/proc/self/mountinfo'])).stdout.split('\n');
  assert.deepEqual(mounts.filter((m) => m.includes('kubernetes.io~csi')), []);
});
