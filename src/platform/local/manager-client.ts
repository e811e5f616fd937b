// JSON requests to instance managers over node:http. fetch would load undici into the daemon (a
// first call compiled it on the event loop) and cost more per request than the few hundred bytes
// a status is; its errors also said only "fetch failed".
import { request } from 'node:http';

export interface ManagerRequest {
  method?: 'GET' | 'POST';
  token?: string;
  body?: unknown;
  timeoutMs: number;
}

export interface ManagerAnswer {
  status: number;
  text: string;
}

/** Rejects with an error naming the request and the cause's code (ECONNREFUSED, ETIMEDOUT, ...). */
export function managerRequest(port: number, path: string, r: ManagerRequest): Promise<ManagerAnswer> {
  const method = r.method ?? 'GET';
  const what = `${method} http://127.0.0.1:${port}${path}`;
  const payload = r.body === undefined ? undefined : JSON.stringify(r.body);
  return new Promise((resolve, reject) => {
    const fail = (e: Error & { code?: string }) => {
      clearTimeout(timer);
      reject(Object.assign(new Error(`${what}: ${e.message}`), { code: e.code }));
    };
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method,
        agent: false,
        headers: {
          ...(r.token ? { authorization: `Bearer ${r.token}` } : {}),
          ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', fail);
        res.on('end', () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
        });
      },
    );
    const timer = setTimeout(() => req.destroy(Object.assign(new Error(`no answer within ${r.timeoutMs} ms`), { code: 'ETIMEDOUT' })), r.timeoutMs);
    req.on('error', fail);
    req.end(payload);
  });
}
