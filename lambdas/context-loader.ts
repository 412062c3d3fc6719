import type { AppContext } from '../core/context.ts';

/** How a handler gets its context: the cloud loads lambdas/context.ts; the local runtime passes its own. */
export type ContextLoader = () => Promise<AppContext>;

// Imported lazily so that the local runtime, which never calls it, never loads the cloud adapters.
export const cloudContext: ContextLoader = async () => (await import('./context.ts')).loadCloudContext();
