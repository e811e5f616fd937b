// The far end of a tunnel into a network namespace (test/support/netns.ts starts it there with
// `nsenter --net=…`): accepts connections on a Unix socket and joins each to HOST:PORT as seen from
// inside the namespace. Prints "ready" once listening; exits when its parent closes stdin.
//
//   node netns-relay.js SOCKET HOST PORT
import { connect, createServer } from 'node:net';
import { joinSockets } from './netns.js';

const [socketPath, host, port] = process.argv.slice(2);
if (!socketPath || !host || !port) {
  console.error('usage: netns-relay.js SOCKET HOST PORT');
  process.exit(2);
}

const server = createServer((client) => joinSockets(client, connect(Number(port), host)));
server.on('error', (e) => {
  console.error(`netns-relay: ${e.message}`);
  process.exit(1);
});
server.listen(socketPath, () => process.stdout.write('ready\n'));
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
