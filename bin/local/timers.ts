import type { ScheduledEvent } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import type { Logger } from '../../core/ports.ts';
import type { LoadedFunction } from './function-loader.ts';
import { lambdaContext } from './lambda-context.ts';

// The local stand-in for EventBridge schedules. A run still going when the next is due is not
// doubled up: the tick is skipped, as a single-concurrency scheduled Lambda would behave.

export interface Timers {
  schedules: { function: string; name: string; everyMinutes: number }[];
  stop(): Promise<void>;
}

function scheduledEvent(name: string, now: number): ScheduledEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '000000000000',
    time: new Date(now).toISOString(),
    region: 'local',
    resources: [`arn:aws:events:local:000000000000:rule/${name}`],
    detail: {},
  };
}

export function startTimers(functions: readonly LoadedFunction[], logger: Logger): Timers {
  const intervals: NodeJS.Timeout[] = [];
  const running = new Set<Promise<unknown>>();
  const schedules: Timers['schedules'] = [];
  for (const fn of functions) {
    for (const trigger of fn.spec.triggers) {
      if (trigger.kind !== 'schedule') continue;
      schedules.push({ function: fn.spec.name, name: trigger.name, everyMinutes: trigger.everyMinutes });
      let current: Promise<unknown> | null = null;
      const tick = () => {
        if (current) return;
        current = fn
          .invoke(
            scheduledEvent(trigger.name, Date.now()),
            lambdaContext(fn.spec.name, fn.spec.timeoutSeconds),
          )
          .catch((error: unknown) =>
            logger.error('scheduled function failed', { function: fn.spec.name, error: String(error) }),
          )
          .finally(() => {
            if (current) running.delete(current);
            current = null;
          });
        running.add(current);
      };
      intervals.push(setInterval(tick, trigger.everyMinutes * 60_000));
    }
  }
  return {
    schedules,
    async stop() {
      for (const interval of intervals) clearInterval(interval);
      await Promise.allSettled([...running]);
    },
  };
}
