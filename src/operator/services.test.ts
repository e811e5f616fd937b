import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixture } from '../api/testing.js';
import { wantedServices } from './services.js';

test('-rw always; -ro and -r unless disabled; additional ones routed like their selectorType', () => {
  assert.deepEqual(wantedServices(fixture('Cluster', { storage: { size: '1Gi' } })).map((s) => [s.name, s.selectorType]), [['pg-rw', 'rw'], ['pg-ro', 'ro'], ['pg-r', 'r']]);
  const cluster = fixture('Cluster', {
    storage: { size: '1Gi' },
    managed: {
      services: {
        disabledDefaultServices: ['ro', 'r'],
        additional: [{ selectorType: 'ro', updateStrategy: 'replace', serviceTemplate: { metadata: { name: 'reports' }, spec: { type: 'LoadBalancer' } } }],
      },
    },
  });
  const services = wantedServices(cluster);
  assert.deepEqual(services.map((s) => [s.name, s.selectorType]), [['pg-rw', 'rw'], ['reports', 'ro']]);
  assert.equal(services[1]?.additional?.updateStrategy, 'replace');
});
