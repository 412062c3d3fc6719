/** The database named by POSTERN_DATABASE_URL cannot be opened; the URL is shown without its password. */
export class DatabaseUnreachableError extends Error {
  constructor(url: string, cause: unknown) {
    const shown = url.replace(/\/\/[^@/]*@/, '//…@');
    super(`cannot open the database ${shown}: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
    this.name = 'DatabaseUnreachableError';
  }
}
