import { resolveServer } from '../../../core/management/scope.ts';
import { TrackDomainView } from '../../../core/tracking/track-domain-schemas.ts';
import { checkTrackDomain } from '../../../core/tracking/track-domains.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { SERVER, ServerItemParams } from '../params.ts';

export default defineEndpoint({
  method: 'POST',
  path: `${SERVER}/track-domains/{uuid}/check`,
  summary: "Check the track domain's CNAME and store the result",
  tag: 'Track domains',
  params: ServerItemParams,
  response: TrackDomainView,
  handle: async ({ ctx, actor, params }) =>
    checkTrackDomain(ctx, await resolveServer(ctx, actor, params.org, params.server), params.uuid),
});
