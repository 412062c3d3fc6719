import type { AppContext } from '../core/context.ts';
import { PosternError } from '../core/errors.ts';

// The composition root of the cloud shape. The S3, SQS, Aurora Data API and KMS adapters it
// wires come with the AWS issue; until then a deployed function answers 503 with this reason
// rather than pretending to work.
export async function loadCloudContext(): Promise<AppContext> {
  throw new PosternError(
    'unavailable',
    'the cloud adapters (S3, SQS, Aurora Data API, KMS) are not wired yet; run the platform locally with `npm start`',
  );
}
