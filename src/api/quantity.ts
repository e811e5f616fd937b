// Kubernetes resource quantities ("50Gi", "500m", "1.5", "1e3"), used by storage sizes and
// resource requests. Values are compared numerically, so "1Gi" and "1024Mi" are equal.
import { z } from 'zod';
import { msg, report } from './errors.js';

const QUANTITY = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;

const MULTIPLIERS: Record<string, number> = {
  '': 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** The value of a quantity in base units (bytes, cores), or undefined when it is not one. */
export function parseQuantity(text: string): number | undefined {
  const match = QUANTITY.exec(text.trim());
  if (!match) return undefined;
  const [, sign = '', digits = '', suffix = ''] = match;
  const multiplier = /^[eE]/.test(suffix) ? 10 ** Number(suffix.slice(1)) : MULTIPLIERS[suffix];
  if (multiplier === undefined) return undefined;
  return (sign === '-' ? -1 : 1) * Number(digits) * multiplier;
}

export function isQuantity(text: string): boolean {
  return parseQuantity(text) !== undefined;
}

/** Accepts a quantity as YAML string or number (as Kubernetes does) and outputs the string. */
export const quantitySchema = z
  .union([z.string(), z.number()])
  .transform((value) => String(value))
  .superRefine((value, ctx) => {
    if (!isQuantity(value)) report(ctx, [], msg.invalidQuantity(value));
  });

/** A quantity that must be above zero, e.g. a volume size. */
export const positiveQuantitySchema = quantitySchema.superRefine((value, ctx) => {
  const parsed = parseQuantity(value);
  if (parsed !== undefined && parsed <= 0) report(ctx, [], msg.quantityNotPositive(value));
});
