import { createPool } from 'mysql2';
import { MysqlDialect } from 'kysely';

export interface MysqlOptions {
  url: string;
  poolSize?: number;
}

export function openMysql(options: MysqlOptions): MysqlDialect {
  const url = new URL(options.url);
  const pool = createPool({
    host: url.hostname,
    port: Number(url.port || 3306),
    user: decodeURIComponent(url.username || 'root'),
    password: decodeURIComponent(url.password),
    database: decodeURIComponent(url.pathname.replace(/^\//, '')),
    connectionLimit: options.poolSize ?? 10,
    // Sums and averages come back as DECIMAL; numbers keep the row types honest.
    decimalNumbers: true,
    supportBigNumbers: true,
    charset: 'utf8mb4_bin',
    timezone: 'Z',
    connectTimeout: 5000,
  });
  return new MysqlDialect({ pool });
}
