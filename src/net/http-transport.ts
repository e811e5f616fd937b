// One HTTP exchange with a manager (an instance's or a pooler's) over node:http, for their typed
// clients. node:http rather than fetch: fetch would load undici into the daemon and every manager,
// costs more per request than a status is worth, and its errors said only "fetch failed". Errors
// here name the request and carry the cause's code (ECONNREFUSED, ETIMEDOUT, …), which
// operator/status-error.ts classifies.
import { request } from 'node:http';

export type Method = 'GET' | 'POST' | 'PUT';

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
