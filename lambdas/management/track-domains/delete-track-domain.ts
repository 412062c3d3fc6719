import { resolveServer } from '../../../core/management/scope.ts';
import { deleteTrackDomain } from '../../../core/tracking/track-domains.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { SERVER, ServerItemParams } from '../params.ts';

export default defineEndpoint({
  method: 'DELETE',
  path: `${SERVER}/track-domains/{uuid}`,
  summary: 'Remove a track domain; mail from its domain is no longer tracked',
  tag: 'Track domains',
  params: ServerItemParams,
  handle: async ({ ctx, actor, params }) =>
    deleteTrackDomain(ctx, await resolveServer(ctx, actor, params.org, params.server), params.uuid),
});
