import middy from '@middy/core';
import type { ScheduledEvent } from 'aws-lambda';
import { runScheduledTasks } from '../../core/maintenance/scheduled-tasks.ts';
import { cloudContext, type ContextLoader } from '../context-loader.ts';

/** Leaves room under the function's timeout for the last batch in flight. */
const BUDGET_MS = 240_000;

export function createHandler(load: ContextLoader) {
  return middy<ScheduledEvent, Record<string, string>>().handler(async () => {
    const ctx = await load();
    return runScheduledTasks(ctx, BUDGET_MS);
  });
}

export const handler = createHandler(cloudContext);
