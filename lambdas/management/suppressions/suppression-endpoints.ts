import type { Endpoint } from '../../http/endpoint.ts';
import listSuppressions from './list-suppressions.ts';
import createSuppression from './create-suppression.ts';
import exportSuppressions from './export-suppressions.ts';
import getSuppression from './get-suppression.ts';
import deleteSuppression from './delete-suppression.ts';

// The export comes before `suppressions/{address}`, which would otherwise take "export" for an address.
export const suppressionEndpoints: readonly Endpoint[] = [
  listSuppressions,
  createSuppression,
  exportSuppressions,
  getSuppression,
  deleteSuppression,
];
