// The one client of a pooler manager's API (protocol.ts), for the platforms, over the same HTTP
// transport as the instance manager's client (errors carry the cause's code: ECONNREFUSED, ETIMEDOUT).
import { httpTransport, type ManagerAddress, type Transport } from '../net/http-transport.js';
import { ROUTES, type RouteName, type RouteTypes } from './protocol.js';

export type PoolerManagerAddress = ManagerAddress;

/** An answer outside 2xx (other than readyz's 503, which is an answer). */
export class PoolerManagerError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export class PoolerManagerClient {
  private readonly transport: Transport;

  constructor(address: PoolerManagerAddress) {
    this.transport = httpTransport(address);
  }

  async call<N extends RouteName>(name: N): Promise<RouteTypes[N]> {
    const route = ROUTES[name];
    const answer = await this.transport.send({ method: 'GET', path: route.path, headers: {}, timeoutMs: route.timeoutMs });
    const expected = answer.status >= 200 && answer.status <= 299;
    if (!expected && !(name === 'readyz' && answer.status === 503)) {
      throw new PoolerManagerError(`GET ${this.transport.target}${route.path}: ${answer.status} ${answer.text}`, answer.status);
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
