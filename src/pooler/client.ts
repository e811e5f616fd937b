// The one client of a pooler manager's API (protocol.ts), for the platforms: node:http as the
// instance manager's client, with errors that carry the cause's code (ECONNREFUSED, ETIMEDOUT).
import { request } from 'node:http';
import { ROUTES, type RouteName, type RouteTypes } from './protocol.js';

export interface PoolerManagerAddress {
  host: string;
  port: number;
}

/** An answer outside 2xx (other than readyz's 503, which is an answer). */
export class PoolerManagerError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

function get(address: PoolerManagerAddress, path: string, timeoutMs: number): Promise<{ status: number; text: string }> {
  const target = `http://${address.host}:${address.port}${path}`;
  return new Promise((resolve, reject) => {
    const fail = (err: Error & { code?: string }) => {
      clearTimeout(timer);
      reject(Object.assign(new Error(`GET ${target}: ${err.message}`), { code: err.code }));
    };
    const req = request({ host: address.host, port: address.port, path, method: 'GET', agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', fail);
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
      });
    });
    const timer = setTimeout(() => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })), timeoutMs);
    req.on('error', fail);
    req.end();
  });
}

export class PoolerManagerClient {
  constructor(private readonly address: PoolerManagerAddress) {}

  async call<N extends RouteName>(name: N): Promise<RouteTypes[N]> {
    const route = ROUTES[name];
    const answer = await get(this.address, route.path, route.timeoutMs);
    const expected = answer.status >= 200 && answer.status <= 299;
    if (!expected && !(name === 'readyz' && answer.status === 503)) {
      throw new PoolerManagerError(`GET http://${this.address.host}:${this.address.port}${route.path}: ${answer.status} ${answer.text}`, answer.status);
    }
    return ('text' in route ? answer.text : JSON.parse(answer.text)) as RouteTypes[N];
  }

  status(): Promise<RouteTypes['status']> {
    return this.call('status');
  }

  async ready(): Promise<boolean> {
    return (await this.call('readyz')).ready;
  }

  metrics(): Promise<string> {
    return this.call('metrics');
  }
}
