/** Whether a driver error is a unique-key violation, on either dialect. */
export function isUniqueViolation(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const details = error as Error & { code?: unknown; errno?: unknown; errcode?: unknown };
  return (
    details.code === 'ER_DUP_ENTRY' ||
    details.errcode === 2067 ||
    details.errcode === 1555 ||
    /UNIQUE constraint failed/.test(error.message)
  );
}
