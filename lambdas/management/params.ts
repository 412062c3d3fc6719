import { z } from 'zod';

// Path parameters shared by the management endpoints. Values are looked up, not trusted: a
// well-formed name of something that does not exist (or belongs to another organization) is a 404.
const segment = z.string().min(1).max(255);

export const V1 = '/management/v1';
export const ORG = `${V1}/organizations/{org}`;
export const SERVER = `${ORG}/servers/{server}`;

export const OrgParams = z.object({ org: segment });
export const ServerParams = z.object({ org: segment, server: segment });
export const UuidParams = z.object({ uuid: segment });
export const OrgItemParams = OrgParams.extend({ uuid: segment });
export const ServerItemParams = ServerParams.extend({ uuid: segment });
