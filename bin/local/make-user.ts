import { randomBytes } from 'node:crypto';
import type { LocalConfig } from '../../core/config.ts';
import { openDatabase } from '../../core/db/database.ts';
import { migrateToLatest } from '../../core/db/migrate.ts';
import { JsonLogger } from '../../core/local/json-logger.ts';
import { fromZodError } from '../../core/errors.ts';
import { CreateUserInput } from '../../core/users/user-schemas.ts';
import { createUser } from '../../core/users/users.ts';
import { createLocalContext } from './local-context.ts';
import { DatabaseUnreachableError } from './database-unreachable.ts';

export interface MakeUserInput {
  email: string;
  firstName: string;
  lastName: string;
  admin: boolean;
  password: string | undefined;
}

/** Creates a user straight in the database; it works while the platform runs or not. */
export async function makeUser(config: LocalConfig, input: MakeUserInput): Promise<void> {
  const password = input.password ?? randomBytes(15).toString('base64url');
  const parsed = CreateUserInput.safeParse({
    email: input.email,
    first_name: input.firstName,
    last_name: input.lastName,
    password,
    admin: input.admin,
  });
  if (!parsed.success) throw fromZodError(parsed.error);
  const database = await openDatabase(config.databaseUrl).catch((error: unknown) => {
    throw new DatabaseUnreachableError(config.databaseUrl, error);
  });
  try {
    await migrateToLatest(database.db, database.dialect);
    const { ctx } = await createLocalContext(config, database, new JsonLogger({ level: 'warn' }));
    const user = await createUser(ctx, null, parsed.data);
    console.log(`Created ${user.admin ? 'administrator' : 'user'} ${user.email} (${user.uuid}).`);
    if (input.password === undefined) console.log(`Password: ${password}`);
  } finally {
    await database.destroy();
  }
}
