import { createHash } from 'node:crypto';

/**
 * The segments of a blob key, which every local store accepts alike: '/'-separated, none empty,
 * '.' or '..', no NUL. Throws RangeError for any other key, as the files of a key must stay
 * under their store's folder.
 */
export function blobKeySegments(key: string): string[] {
  const segments = key.split('/');
  const valid =
    key.length > 0 &&
    !key.includes('\0') &&
    segments.every((segment) => segment !== '' && segment !== '.' && segment !== '..');
  if (!valid) throw new RangeError(`invalid blob key ${JSON.stringify(key)}`);
  return segments;
}

/** Hex MD5 of the content, as S3 gives for a single-part upload (without S3's quotes). */
export function etagOf(content: Uint8Array): string {
  return createHash('md5').update(content).digest('hex');
}
