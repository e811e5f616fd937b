// The e2e tests reach a real node's Services and run their S3 server inside the node's network
// namespace (test/support/netns.ts, test/support/s3.ts): checked here on a namespace of our own that
// has nothing but its loopback, so a server there is out of this process's reach except through
// the tunnel.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { inNetns, tunnelInto } from './support/netns.js';
import { startS3Server } from './support/s3.js';

const NETNS = `cnpg-tunnel-${process.pid}`;
const root = process.getuid?.() === 0;
let echo: ChildProcess | undefined;

/** One line sent, one line back, through a plain TCP connection to 127.0.0.1:port. */
function roundTrip(port: number, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.write(`${line}\n`));
    let got = '';
    s.on('data', (d: Buffer) => {
      got += d.toString();
      if (got.endsWith('\n')) {
        s.end();
        resolve(got.trim());
      }
    });
    s.on('error', reject);
    s.on('close', () => reject(new Error(`closed after "${got}"`)));
  });
}

before(() => {
  if (!root) return;
  const add = spawnSync('ip', ['netns', 'add', NETNS], { encoding: 'utf8' });
  assert.equal(add.status, 0, add.stderr);
  assert.equal(spawnSync('ip', ['-n', NETNS, 'link', 'set', 'lo', 'up']).status, 0);
});

after(() => {
  echo?.kill('SIGKILL');
  if (root) spawnSync('ip', ['netns', 'del', NETNS]);
});

test('a tunnel reaches a server that listens only inside another network namespace', { skip: !root && 'needs root (ip netns add)', timeout: 60_000 }, async () => {
  const server = `require('net').createServer((s) => s.on('data', (d) => s.write('echo ' + d))).listen(7007, '127.0.0.1', () => console.log('up'))`;
  echo = spawn('nsenter', inNetns(NETNS, process.execPath, ['-e', server]), { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve) => echo!.stdout!.once('data', resolve));
  // Nothing listens on 7007 here: only the namespace has it.
  await assert.rejects(roundTrip(7007, 'direct'));
  const tunnel = await tunnelInto(NETNS, '127.0.0.1', 7007);
  try {
    assert.equal(await roundTrip(tunnel.port, 'one'), 'echo one');
    assert.deepEqual(await Promise.all([roundTrip(tunnel.port, 'a'), roundTrip(tunnel.port, 'b')]), ['echo a', 'echo b']);
  } finally {
    await tunnel.close();
  }
  await assert.rejects(roundTrip(tunnel.port, 'after close'));
  const missing = await tunnelInto(`${NETNS}-missing`, '127.0.0.1', 7007).then(
    () => 'opened',
    (e: Error) => e.message,
  );
  assert.match(missing, /the relay into cnpg-tunnel-\d+-missing exited .*is \/run\/netns\/cnpg-tunnel-\d+-missing a network namespace\?/s);
});

test('the S3 test server runs inside a network namespace, on an address of it', { skip: !root && 'needs root (ip netns add)', timeout: 120_000 }, async () => {
  const s3 = await startS3Server({ netns: NETNS, host: '127.0.0.1' });
  try {
    assert.match(s3.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
    await s3.createBucket('inside');
    const tunnel = await tunnelInto(NETNS, '127.0.0.1', Number(new URL(s3.endpoint).port));
    const client = new S3Client({ endpoint: `http://127.0.0.1:${tunnel.port}`, region: s3.region, forcePathStyle: true, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
    try {
      await client.send(new PutObjectCommand({ Bucket: 'inside', Key: 'k', Body: 'v' }));
      assert.deepEqual((await client.send(new ListObjectsV2Command({ Bucket: 'inside' }))).Contents?.map((o) => o.Key), ['k']);
    } finally {
      client.destroy();
      await tunnel.close();
    }
    // A restart keeps the data and the way in.
    await s3.restart();
    await s3.createBucket('second');
  } finally {
    await s3.stop();
  }
});
