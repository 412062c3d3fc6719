import { resolveServer } from '../../../core/management/scope.ts';
import { CreateTrackDomainInput, TrackDomainView } from '../../../core/tracking/track-domain-schemas.ts';
import { createTrackDomain } from '../../../core/tracking/track-domains.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { SERVER, ServerParams } from '../params.ts';

export default defineEndpoint({
  method: 'POST',
  path: `${SERVER}/track-domains`,
  summary: 'Add a track domain under a verified domain; its CNAME is checked at once',
  tag: 'Track domains',
  status: 201,
  params: ServerParams,
  body: CreateTrackDomainInput,
  response: TrackDomainView,
  handle: async ({ ctx, actor, params, body }) =>
    createTrackDomain(ctx, await resolveServer(ctx, actor, params.org, params.server), body),
});
