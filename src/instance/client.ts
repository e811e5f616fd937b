// The one client of the instance manager's API (protocol.ts). Callers give an address and, for the
// operator's routes, the token; the route table gives the method, path and timeout.
//
// node:http rather than fetch: fetch would load undici into the daemon (a first call compiled it on
// the event loop) and into every instance manager (peers probe each other), costs more per request
// than the few hundred bytes a status is, and its errors said only "fetch failed". Errors here carry
// the cause's code (ECONNREFUSED, ETIMEDOUT, …), which operator/status-error.ts classifies.
import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import { ROUTES, routePath, type Method, type RouteInput, type RouteName, type RouteResponse } from './protocol.js';

export interface ManagerAddress {
  host: string;
  port: number;
}

export interface Exchange {
  method: Method;
  path: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
}

export interface Answer {
  status: number;
  text: string;
}

/** How requests reach a manager: straight over HTTP, or through a relay such as the API server's Pod proxy. */
export interface Transport {
  /** Where requests go, for error messages. */
  readonly target: string;
  /** What the path to the manager adds to a route's own timeout (a relay's extra hop). */
  readonly overheadMs: number;
  send(e: Exchange): Promise<Answer>;
}

/** An HTTP answer outside 2xx; `status` is the code the manager gave. */
export class ManagerError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** Direct HTTP to a manager; rejects with an error naming the request and carrying the cause's code. */
export function httpTransport(address: ManagerAddress): Transport {
  const target = `http://${address.host}:${address.port}`;
  return {
    target,
    overheadMs: 0,
    send: (e) =>
      new Promise((resolve, reject) => {
        const fail = (err: Error & { code?: string }) => {
          clearTimeout(timer);
          reject(Object.assign(new Error(`${e.method} ${target}${e.path}: ${err.message}`), { code: err.code }));
        };
        const req = request({ host: address.host, port: address.port, path: e.path, method: e.method, agent: false, headers: e.headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', fail);
          res.on('end', () => {
            clearTimeout(timer);
            resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
          });
        });
        const timer = setTimeout(() => req.destroy(Object.assign(new Error(`no answer within ${e.timeoutMs} ms`), { code: 'ETIMEDOUT' })), e.timeoutMs);
        req.on('error', fail);
        req.end(e.body);
      }),
  };
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
