import { resolveServer } from '../../../core/management/scope.ts';
import { TrackDomainView, UpdateTrackDomainInput } from '../../../core/tracking/track-domain-schemas.ts';
import { updateTrackDomain } from '../../../core/tracking/track-domains.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { SERVER, ServerItemParams } from '../params.ts';

export default defineEndpoint({
  method: 'PATCH',
  path: `${SERVER}/track-domains/{uuid}`,
  summary: 'Change what a track domain tracks, its https setting or the hosts whose links stay untracked',
  tag: 'Track domains',
  params: ServerItemParams,
  body: UpdateTrackDomainInput,
  response: TrackDomainView,
  handle: async ({ ctx, actor, params, body }) =>
    updateTrackDomain(ctx, await resolveServer(ctx, actor, params.org, params.server), params.uuid, body),
});
