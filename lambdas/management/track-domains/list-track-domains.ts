import { PageQuery, pageOf } from '../../../core/management/pagination.ts';
import { resolveServer } from '../../../core/management/scope.ts';
import { TrackDomainView } from '../../../core/tracking/track-domain-schemas.ts';
import { listTrackDomains } from '../../../core/tracking/track-domains.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { SERVER, ServerParams } from '../params.ts';

export default defineEndpoint({
  method: 'GET',
  path: `${SERVER}/track-domains`,
  summary: "A server's track domains: the hosts its click and open tracking use",
  tag: 'Track domains',
  params: ServerParams,
  query: PageQuery,
  response: pageOf(TrackDomainView),
  handle: async ({ ctx, actor, params, query }) =>
    listTrackDomains(ctx, await resolveServer(ctx, actor, params.org, params.server), query),
});
