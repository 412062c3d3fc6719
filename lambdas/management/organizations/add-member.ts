import { AddMemberInput, MemberView } from '../../../core/organizations/organization-schemas.ts';
import { addMember } from '../../../core/organizations/members.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { ORG, OrgParams } from '../params.ts';

export default defineEndpoint({
  method: 'POST',
  path: `${ORG}/members`,
  summary: 'Add an existing user to an organization (administrators only)',
  tag: 'Organizations',
  status: 201,
  params: OrgParams,
  body: AddMemberInput,
  response: MemberView,
  handle: ({ ctx, actor, params, body }) => addMember(ctx, actor, params.org, body),
});
