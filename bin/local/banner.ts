import type { LocalConfig } from '../../core/config.ts';
import type { LocalRuntime } from './runtime.ts';

export interface BannerInput {
  config: LocalConfig;
  runtime: LocalRuntime;
  version: string;
}

/** What a developer needs after `npm start`: where things listen and, on first start, how to begin. */
export function printBanner({ config, runtime, version }: BannerInput): void {
  const http = `http://${config.httpHost === '0.0.0.0' ? '127.0.0.1' : config.httpHost}:${runtime.ports.http}`;
  const smtpHost = config.smtpHost === '0.0.0.0' ? '127.0.0.1' : config.smtpHost;
  const lines = [
    `Postern ${version} is running (${runtime.databaseDialect} database, data in ${config.dataDir})`,
    `  HTTP   ${http}   send API /api/v1, management API /management/v1, /health, /metrics`,
    `  SMTP   ${smtpHost}:${runtime.ports.smtp} (STARTTLS)   ${smtpHost}:${runtime.ports.smtps} (implicit TLS)`,
  ];
  const first = runtime.firstStart;
  if (first) {
    const server = `${first.organization}/${first.server}`;
    lines.push(
      '',
      'First start: created an administrator and a sample organization.',
      `  Administrator   ${first.adminEmail}   password ${first.adminPassword}`,
      `  Mail server     ${server} (Development mode: mail is held, not delivered, until released)`,
      `  Sending domain  ${first.domain} (verified, since an administrator added it)`,
      `  API key         ${first.apiKey}`,
      `  SMTP login      user ${server}   password ${first.smtpKey}`,
      '  These keys and the password are shown only now.',
      '',
      'Log in to the management API:',
      `  curl -s ${http}/management/v1/sessions -H 'content-type: application/json' \\`,
      `    -d '{"email":"${first.adminEmail}","password":"${first.adminPassword}"}'`,
      '',
      'Send a first message through the API:',
      `  curl -s ${http}/api/v1/send/message -H 'X-Server-API-Key: ${first.apiKey}' \\`,
      `    -H 'content-type: application/json' \\`,
      `    -d '{"to":["someone@example.com"],"from":"app@example.com","subject":"Hello","plain_body":"Hi from Postern"}'`,
      '',
      'Or over SMTP:',
      `  swaks --server ${smtpHost}:${runtime.ports.smtp} --tls --auth PLAIN --auth-user ${server} \\`,
      `    --auth-password ${first.smtpKey} --from app@example.com --to someone@example.com`,
    );
  }
  console.log(lines.join('\n'));
}
