import { resolveServer } from '../../../core/management/scope.ts';
import { TrackDomainView } from '../../../core/tracking/track-domain-schemas.ts';
import { getTrackDomain } from '../../../core/tracking/track-domains.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { SERVER, ServerItemParams } from '../params.ts';

export default defineEndpoint({
  method: 'GET',
  path: `${SERVER}/track-domains/{uuid}`,
  summary: 'One track domain',
  tag: 'Track domains',
  params: ServerItemParams,
  response: TrackDomainView,
  handle: async ({ ctx, actor, params }) =>
    getTrackDomain(ctx, await resolveServer(ctx, actor, params.org, params.server), params.uuid),
});
