import {
  OperationNodeTransformer,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  type SelectQueryNode,
  type UnknownRow,
} from 'kysely';

// Queries are written once for MySQL, where `for update [skip locked]` takes row locks inside a
// transaction. SQLite has no row locks and rejects the clause; its transactions already run one
// at a time on the single connection the local runtime owns, so dropping the clause keeps the
// same guarantee.

const rowLockModifiers = new Set([
  'ForUpdate',
  'ForNoKeyUpdate',
  'ForShare',
  'ForKeyShare',
  'NoWait',
  'SkipLocked',
]);

class RowLockRemover extends OperationNodeTransformer {
  protected override transformSelectQuery(node: SelectQueryNode): SelectQueryNode {
    const transformed = super.transformSelectQuery(node);
    if (!transformed.endModifiers) return transformed;
    const endModifiers = transformed.endModifiers.filter(
      (modifier) => !modifier.modifier || !rowLockModifiers.has(modifier.modifier),
    );
    return { ...transformed, endModifiers: endModifiers.length > 0 ? endModifiers : undefined };
  }
}

export class SqliteRowLocksPlugin implements KyselyPlugin {
  readonly #remover = new RowLockRemover();

  transformQuery({ node }: PluginTransformQueryArgs): RootOperationNode {
    // Walking the whole tree costs more than running most statements, and the clause is only
    // ever written on the outermost select: every other query passes as it is.
    const locks =
      node.kind === 'SelectQueryNode' &&
      node.endModifiers?.some((modifier) => modifier.modifier && rowLockModifiers.has(modifier.modifier));
    return locks ? this.#remover.transformNode(node) : node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}
