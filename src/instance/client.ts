// The one client of the instance manager's API (protocol.ts). Callers give an address and, for the
// operator's routes, the token; the route table gives the method, path and timeout; requests go
// through net/http-transport.ts (or a relay such as the API server's Pod proxy).
import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import { httpTransport, type ManagerAddress, type Transport } from '../net/http-transport.js';
import { ROUTES, routePath, type RouteInput, type RouteName, type RouteResponse } from './protocol.js';

export { httpTransport, type Answer, type Exchange, type ManagerAddress, type Transport } from '../net/http-transport.js';

/** An HTTP answer outside 2xx; `status` is the code the manager gave. */
export class ManagerError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** The manager answers errors as {"error": "…"}; the sentence is what a person needs. */
function errorText(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: unknown };
    return typeof parsed.error === 'string' ? parsed.error : body;
  } catch {
    return body;
  }
}

export interface ClientOptions {
  /** The manager's token, for the routes that need it. */
  token?: string;
  /** Names the instance in error messages. */
  instance?: string;
}

export class InstanceClient {
  private readonly transport: Transport;

  constructor(
    to: ManagerAddress | Transport,
    private readonly o: ClientOptions = {},
  ) {
    this.transport = 'send' in to ? to : httpTransport(to);
  }

  async call<N extends RouteName>(name: N, input: RouteInput<N> = {}): Promise<RouteResponse<N>> {
    const route = ROUTES[name];
    const path = routePath(name, input);
    const what = `${this.o.instance ? `${this.o.instance}: ` : ''}${route.method} ${path}`;
    if ('stream' in route) throw new Error(`${what} is an event stream; open it with openEventStream`);
    if (route.token && !this.o.token) throw new Error(`${what} needs the manager's token, and none is known`);
    const body = input.body === undefined ? undefined : JSON.stringify(input.body);
    const answer = await this.transport.send({
      method: route.method,
      path,
      headers: {
        ...(route.token ? { authorization: `Bearer ${this.o.token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }),
      },
      body,
      timeoutMs: route.timeoutMs + this.transport.overheadMs,
    });
    if (answer.status === 404 && 'notFoundIsNull' in route) return null as RouteResponse<N>;
    if (answer.status < 200 || answer.status > 299) throw new ManagerError(`${what}: ${answer.status} ${errorText(answer.text)}`, answer.status);
    return JSON.parse(answer.text) as RouteResponse<N>;
  }
}

/**
 * Opens the manager's event stream; `onResponse` gets the answer (check its status). A manager that
 * sends no headers within the route's timeout is dropped with ETIMEDOUT, as a dead one would be.
 */
export function openEventStream(address: ManagerAddress, token: string, onResponse: (res: IncomingMessage) => void): ClientRequest {
  const route = ROUTES.events;
  const req = request({ host: address.host, port: address.port, path: route.path, method: route.method, agent: false, headers: { authorization: `Bearer ${token}` } }, (res) => {
    clearTimeout(timer);
    onResponse(res);
  });
  const timer = setTimeout(() => req.destroy(Object.assign(new Error(`no answer within ${route.timeoutMs} ms`), { code: 'ETIMEDOUT' })), route.timeoutMs);
  req.on('close', () => clearTimeout(timer));
  req.end();
  return req;
}
