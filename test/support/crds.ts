// Installs the generated CRDs (config/crd/bases) into a test API server and waits until they serve.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiextensionsV1Api, type KubeConfig, type V1CustomResourceDefinition } from '@kubernetes/client-node';
// Not re-exported by the package's index in 1.4; it maps wire names (x-kubernetes-*) to model names.
import { ObjectSerializer } from '@kubernetes/client-node/dist/gen/models/ObjectSerializer.js';
import { parse } from 'yaml';
import { eventually } from './env.js';

const CRD_DIR = fileURLToPath(new URL('../../../config/crd/bases/', import.meta.url));

export async function installCrds(kc: KubeConfig): Promise<void> {
  const ext = kc.makeApiClient(ApiextensionsV1Api);
  const files = readdirSync(CRD_DIR);
  // The client's models name x-kubernetes-* fields in camelCase: read the YAML into the model first.
  for (const file of files) {
    const body = ObjectSerializer.deserialize(parse(readFileSync(join(CRD_DIR, file), 'utf8')), 'V1CustomResourceDefinition', '') as V1CustomResourceDefinition;
    await ext.createCustomResourceDefinition({ body });
  }
  await eventually('CRDs established', async () => {
    const list = await ext.listCustomResourceDefinition();
    return list.items.filter((c) => c.status?.conditions?.some((x) => x.type === 'Established' && x.status === 'True')).length === files.length;
  }, 30_000);
}
