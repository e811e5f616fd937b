import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../api/meta.js';
import { ownImage } from './operator-image.js';

const pod = (containers: { name: string; image: string }[]): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'op' }, spec: { containers } }) as KubeObject;

test('the operator’s own image: its Pod’s (kubectl set image changes only that), else OPERATOR_IMAGE_NAME, else this version’s', () => {
  const env = 'ghcr.io/cnpg-ts/cnpg-ts:0.1.0';
  assert.deepEqual(ownImage(pod([{ name: 'manager', image: 'mirror/cnpg-ts:0.1.1' }]), env, 'x'), { image: 'mirror/cnpg-ts:0.1.1', from: 'pod' });
  assert.deepEqual(ownImage(pod([{ name: 'proxy', image: 'envoy' }, { name: 'manager', image: 'mirror/cnpg-ts:2' }]), env, 'x'), { image: 'mirror/cnpg-ts:2', from: 'pod' }, 'the manager container among sidecars');
  assert.deepEqual(ownImage(pod([{ name: 'operator', image: 'mine/cnpg-ts:3' }]), env, 'x'), { image: 'mine/cnpg-ts:3', from: 'pod' }, 'a renamed only container');
  assert.deepEqual(ownImage(pod([{ name: 'a', image: 'a' }, { name: 'b', image: 'b' }]), env, 'x'), { image: env, from: 'OPERATOR_IMAGE_NAME' }, 'which of two is ours is unknown');
  assert.deepEqual(ownImage(undefined, env, 'x'), { image: env, from: 'OPERATOR_IMAGE_NAME' }, 'no Pod (outside a cluster, or not allowed to read it)');
  assert.deepEqual(ownImage(undefined, undefined, 'x'), { image: 'x', from: 'default' });
});
