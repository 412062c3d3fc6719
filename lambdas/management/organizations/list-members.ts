import { z } from 'zod';
import { MemberView } from '../../../core/organizations/organization-schemas.ts';
import { listMembers } from '../../../core/organizations/members.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { ORG, OrgParams } from '../params.ts';

export default defineEndpoint({
  method: 'GET',
  path: `${ORG}/members`,
  summary: 'The members of an organization',
  tag: 'Organizations',
  params: OrgParams,
  response: z.object({ data: z.array(MemberView) }),
  handle: async ({ ctx, actor, params }) => ({ data: await listMembers(ctx, actor, params.org) }),
});
