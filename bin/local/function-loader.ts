import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import type { AppContext } from '../../core/context.ts';
import type { FunctionSpec } from '../../lambdas/topology.ts';

export type LoadedHandler = (event: unknown, context: Context) => Promise<unknown>;

export interface LoadedFunction {
  spec: FunctionSpec;
  invoke: LoadedHandler;
}

const repositoryRoot = join(import.meta.dirname, '..', '..');

/** Imports each topology function by its module path and wires it to the local context. */
export async function loadFunctions(
  specs: readonly FunctionSpec[],
  ctx: AppContext,
): Promise<LoadedFunction[]> {
  return Promise.all(
    specs.map(async (spec) => {
      const module = (await import(pathToFileURL(join(repositoryRoot, spec.module)).href)) as {
        createHandler?: (load: () => Promise<AppContext>) => LoadedHandler;
      };
      if (typeof module.createHandler !== 'function') {
        throw new Error(`${spec.module} does not export createHandler`);
      }
      return { spec, invoke: module.createHandler(async () => ctx) };
    }),
  );
}
