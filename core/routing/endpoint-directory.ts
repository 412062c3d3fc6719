import { z } from 'zod';
import type { Db } from '../db/database.ts';
import type { EndpointType } from '../db/schema.ts';
import { Uuid } from '../management/view-helpers.ts';

export const EndpointKind = z.enum(['http', 'smtp', 'address']);

/** How a route names one of its server's endpoints. */
export const EndpointRef = z.object({ type: EndpointKind, uuid: Uuid }).strict();
export type EndpointRef = z.infer<typeof EndpointRef>;

export const EndpointSummary = z.object({
  type: EndpointKind,
  uuid: Uuid,
  /** The endpoint's name; an address endpoint's address. */
  name: z.string(),
});
export type EndpointSummary = z.infer<typeof EndpointSummary>;

export interface EndpointEntry extends EndpointSummary {
  id: number;
}

/** A server's endpoints of every kind, to resolve routes' references both ways. */
export class EndpointDirectory {
  readonly #entries: readonly EndpointEntry[];

  constructor(entries: readonly EndpointEntry[]) {
    this.#entries = entries;
  }

  /** A server has few endpoints, so one read of each table serves a whole page of routes. */
  static async load(db: Db, serverId: number): Promise<EndpointDirectory> {
    // One after the other: inside a transaction the queries share a connection.
    const http = await db
      .selectFrom('http_endpoints')
      .select(['id', 'uuid', 'name'])
      .where('server_id', '=', serverId)
      .execute();
    const smtp = await db
      .selectFrom('smtp_endpoints')
      .select(['id', 'uuid', 'name'])
      .where('server_id', '=', serverId)
      .execute();
    const address = await db
      .selectFrom('address_endpoints')
      .select(['id', 'uuid', 'address as name'])
      .where('server_id', '=', serverId)
      .execute();
    return new EndpointDirectory([
      ...http.map((row) => ({ type: 'http' as const, ...row })),
      ...smtp.map((row) => ({ type: 'smtp' as const, ...row })),
      ...address.map((row) => ({ type: 'address' as const, ...row })),
    ]);
  }

  byRef(ref: EndpointRef): EndpointEntry | undefined {
    return this.#entries.find((entry) => entry.type === ref.type && entry.uuid === ref.uuid);
  }

  byId(type: EndpointType, id: number): EndpointEntry | undefined {
    return this.#entries.find((entry) => entry.type === type && entry.id === id);
  }
}

export const summaryOf = ({ type, uuid, name }: EndpointEntry): EndpointSummary => ({ type, uuid, name });
