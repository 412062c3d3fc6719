// When a soft-failed delivery is tried again (Postal §4.2): 5 minutes × 1.3^(attempt − 1) after
// attempt n failed, unless the remote said how long to wait, in which case the worker's reading
// of that hint (core/delivery/smtp-reply.ts: the wait plus 10 seconds, as Postal) wins.

const BASE_SECONDS = 300;
const FACTOR = 1.3;

export function retryDelaySeconds(failedAttempt: number, remoteHintSeconds: number | null): number {
  if (remoteHintSeconds !== null && remoteHintSeconds >= 0) return Math.round(remoteHintSeconds);
  return Math.round(BASE_SECONDS * FACTOR ** (failedAttempt - 1));
}
