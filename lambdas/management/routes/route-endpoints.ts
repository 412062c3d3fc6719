import type { Endpoint } from '../../http/endpoint.ts';
import listRoutes from './list-routes.ts';
import createRoute from './create-route.ts';
import getRoute from './get-route.ts';
import updateRoute from './update-route.ts';
import deleteRoute from './delete-route.ts';

export const routeEndpoints: readonly Endpoint[] = [
  listRoutes,
  createRoute,
  getRoute,
  updateRoute,
  deleteRoute,
];
