// spec.primaryLease's timings must make a working lease, as CloudNativePG's webhook requires: the
// lease outlasts its renew deadline, and the deadline leaves room for a jittered retry
// (client-go refuses renewDeadline <= 1.2 × retryPeriod; in whole seconds 5 × deadline > 6 × retry).
import type { z } from 'zod';
import { report } from './errors.js';

interface PrimaryLease {
  leaseDurationSeconds: number;
  renewDeadlineSeconds: number;
  retryPeriodSeconds: number;
}

export function checkPrimaryLease(lease: PrimaryLease | undefined, ctx: z.RefinementCtx): void {
  if (!lease) return;
  const { leaseDurationSeconds: duration, renewDeadlineSeconds: deadline, retryPeriodSeconds: retry } = lease;
  if (duration <= deadline) {
    report(ctx, ['spec', 'primaryLease', 'leaseDurationSeconds'], `must be greater than renewDeadlineSeconds (${duration} <= ${deadline})`);
  }
  if (5 * deadline <= 6 * retry) {
    report(ctx, ['spec', 'primaryLease', 'renewDeadlineSeconds'], `must be greater than 1.2 × retryPeriodSeconds (${deadline} <= 1.2 × ${retry})`);
  }
}
