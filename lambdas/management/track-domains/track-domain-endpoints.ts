import type { Endpoint } from '../../http/endpoint.ts';
import listTrackDomains from './list-track-domains.ts';
import createTrackDomain from './create-track-domain.ts';
import getTrackDomain from './get-track-domain.ts';
import updateTrackDomain from './update-track-domain.ts';
import deleteTrackDomain from './delete-track-domain.ts';
import checkTrackDomain from './check-track-domain.ts';

export const trackDomainEndpoints: readonly Endpoint[] = [
  listTrackDomains,
  createTrackDomain,
  getTrackDomain,
  updateTrackDomain,
  deleteTrackDomain,
  checkTrackDomain,
];
