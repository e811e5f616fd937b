import test from 'node:test';
import assert from 'node:assert/strict';
import { pinImage, recordedImage } from './defaults.js';

const catalog = { apiGroup: 'postgresql.cnpg.io', kind: 'ImageCatalog', name: 'pg', major: 16 };

test('pinImage sets the default image only when the Cluster names neither an image nor a catalog', () => {
  const spec: { instances: number; imageName?: string } = { instances: 1 };
  assert.deepEqual(pinImage(spec, () => 'img:15'), { instances: 1, imageName: 'img:15' });
  assert.deepEqual(pinImage({ imageName: 'mine:16' }, () => assert.fail('the default is not needed')), { imageName: 'mine:16' });
  assert.deepEqual(pinImage({ imageCatalogRef: catalog }, () => assert.fail('the default is not needed')), { imageCatalogRef: catalog });
});

test('recordedImage keeps the image recorded first over a changed default', () => {
  assert.equal(recordedImage({}, undefined, 'img:15'), 'img:15');
  assert.equal(recordedImage({}, 'img:15', 'img:16'), 'img:15');
  assert.equal(recordedImage({ imageName: 'mine:16' }, 'img:15', 'img:17'), 'mine:16', 'the spec wins: an image change is the user\'s');
  assert.equal(recordedImage({ imageCatalogRef: catalog }, undefined, 'img:15'), undefined, 'a catalog Cluster does not get the default');
});
