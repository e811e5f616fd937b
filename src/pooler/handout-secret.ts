// The Kubernetes platform's handout: the `<pooler>-config` Secret, read and watched through the API
// server (the pooler's ServiceAccount may get and watch that one Secret), with in-cluster
// credentials in a Pod or KUBECONFIG elsewhere. A watch the server ends is opened again after a
// fresh read, so a change made while no watch was open is not missed.
import { CoreV1Api, KubeConfig, Watch, type V1Secret } from '@kubernetes/client-node';
import { HANDOUT_SECRET_KEY } from '../pgbouncer/handout.js';
import type { HandoutSource, SourceCallbacks } from './handout-file.js';

const RETRY_MS = 2000;

function handoutText(secret: V1Secret, where: string): string {
  const value = secret.data?.[HANDOUT_SECRET_KEY];
  if (value === undefined) throw new Error(`${where} has no key ${HANDOUT_SECRET_KEY}`);
  return Buffer.from(value, 'base64').toString('utf8');
}

export function watchHandoutSecret(kc: KubeConfig, namespace: string, name: string, cb: SourceCallbacks): HandoutSource {
  const where = `Secret ${namespace}/${name}`;
  const api = kc.makeApiClient(CoreV1Api);
  let stopped = false;
  let abort: AbortController | undefined;
  let timer: NodeJS.Timeout | undefined;
  let last: string | undefined;
  const pass = (text: string) => {
    if (text === last) return;
    last = text;
    cb.onText(text);
  };
  const again = () => {
    if (!stopped) timer = setTimeout(() => void cycle(), RETRY_MS);
  };
  const cycle = async () => {
    try {
      const secret = await api.readNamespacedSecret({ name, namespace });
      pass(handoutText(secret, where));
      abort = await new Watch(kc).watch(
        `/api/v1/namespaces/${namespace}/secrets`,
        { fieldSelector: `metadata.name=${name}`, resourceVersion: secret.metadata?.resourceVersion },
        (type: string, obj: V1Secret) => {
          if (type === 'ADDED' || type === 'MODIFIED') {
            try {
              pass(handoutText(obj, where));
            } catch (e) {
              cb.onError(e as Error);
            }
          } else if (type === 'DELETED') cb.onError(new Error(`${where} was deleted; PgBouncer keeps the last handout`));
        },
        () => again(),
      );
    } catch (e) {
      const code = (e as { code?: number }).code;
      cb.onError(new Error(code === 404 ? `${where} does not exist (yet)` : `reading ${where}: ${(e as Error).message}`));
      again();
    }
  };
  void cycle();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
      abort?.abort();
    },
  };
}
