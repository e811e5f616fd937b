// Payload maps of Secrets and ConfigMaps: key syntax and base64 values.
import { z } from 'zod';
import { msg, report } from './errors.js';
import { stringMap } from './common.js';

const DATA_KEY = /^[-._a-zA-Z0-9]+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function checkKeys(map: Record<string, string>, ctx: z.RefinementCtx): void {
  for (const key of Object.keys(map)) {
    if (!DATA_KEY.test(key) || key.length > 253) report(ctx, [key], msg.invalidDataKey(key));
  }
}

/** Plain-text values (ConfigMap data, Secret stringData). */
export const textData = stringMap.superRefine(checkKeys);

/** base64 values (Secret data, ConfigMap binaryData); line breaks are tolerated as in Kubernetes. */
export const base64Data = stringMap.superRefine((map, ctx) => {
  checkKeys(map, ctx);
  for (const [key, value] of Object.entries(map)) {
    if (!BASE64.test(value.replace(/[\r\n]/g, ''))) report(ctx, [key], msg.invalidBase64());
  }
});
