import { z } from 'zod';
import { OrgParams, ServerParams } from '../params.ts';

/** `{domain}` is a domain's uuid or its name; one that names nothing is a 404. */
const domainRef = z.string().min(1).max(255);

export const ServerDomainParams = ServerParams.extend({ domain: domainRef });
export const OrgDomainParams = OrgParams.extend({ domain: domainRef });
