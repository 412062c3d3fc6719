import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { authorizeSender } from '../../../core/policy/sender-authorization.ts';
import { testServer } from '../../helpers/policy-fixtures.ts';

const domain = (
  id: number,
  name: string,
  extra: { verified?: boolean; useForAny?: boolean; organizationLevel?: boolean } = {},
) => ({
  id,
  name,
  verified: extra.verified ?? true,
  useForAny: extra.useForAny ?? false,
  organizationLevel: extra.organizationLevel ?? false,
});

void describe('authorizeSender', () => {
  void it('accepts From addresses at a verified domain of the server', () => {
    const result = authorizeSender(testServer(), { from: ['alice@Example.COM'], sender: [] });
    assert.deepEqual(result, { authorized: true, header: 'from', domain: testServer().domains[0] });
  });

  void it('accepts an organization-level domain, preferring the server-owned one of the same name', () => {
    const server = testServer({
      domains: [domain(1, 'shared.org', { organizationLevel: true }), domain(2, 'shared.org')],
    });
    const result = authorizeSender(server, { from: ['a@shared.org'], sender: [] });
    assert.equal(result.authorized && result.domain.id, 2);
    const orgOnly = testServer({ domains: [domain(1, 'shared.org', { organizationLevel: true })] });
    assert.equal(authorizeSender(orgOnly, { from: ['a@shared.org'], sender: [] }).authorized, true);
  });

  void it('matches an IDN From domain in either form', () => {
    const server = testServer({ domains: [domain(1, 'bücher.example')] });
    assert.equal(authorizeSender(server, { from: ['a@xn--bcher-kva.example'], sender: [] }).authorized, true);
    assert.equal(authorizeSender(server, { from: ['a@BÜCHER.example'], sender: [] }).authorized, true);
  });

  void it('refuses unverified domains and foreign domains', () => {
    const server = testServer({ domains: [domain(1, 'example.com', { verified: false })] });
    assert.equal(authorizeSender(server, { from: ['a@example.com'], sender: [] }).authorized, false);
    const result = authorizeSender(testServer(), { from: ['a@evil.test'], sender: [] });
    assert.deepEqual(result, {
      authorized: false,
      reason: 'a@evil.test is not at a verified domain of the server',
    });
  });

  void it('needs every From address to match', () => {
    const result = authorizeSender(testServer(), { from: ['a@example.com', 'b@evil.test'], sender: [] });
    assert.equal(result.authorized, false);
  });

  void it('refuses a message without a From address', () => {
    assert.deepEqual(authorizeSender(testServer(), { from: [], sender: [] }), {
      authorized: false,
      reason: 'the message has no From address',
    });
    assert.equal(authorizeSender(testServer(), { from: [''], sender: [] }).authorized, false);
  });

  void it('lets a verified server domain with use_for_any vouch for any address, the first by name', () => {
    const server = testServer({
      domains: [
        domain(1, 'zeta.com', { useForAny: true }),
        domain(2, 'alpha.com', { useForAny: true }),
        domain(3, 'org.com', { useForAny: true, organizationLevel: true }),
        domain(4, 'unverified.com', { useForAny: true, verified: false }),
      ],
    });
    const result = authorizeSender(server, { from: ['anyone@elsewhere.net'], sender: [] });
    assert.equal(result.authorized && result.domain.name, 'alpha.com');
  });

  void it('ignores use_for_any on organization-level domains', () => {
    const server = testServer({
      domains: [domain(3, 'org.com', { useForAny: true, organizationLevel: true })],
    });
    assert.equal(authorizeSender(server, { from: ['a@elsewhere.net'], sender: [] }).authorized, false);
  });

  void it('with allow_sender, lets the Sender header vouch when From does not match', () => {
    const headers = { from: ['boss@client.net'], sender: ['mailer@example.com'] };
    assert.equal(authorizeSender(testServer(), headers).authorized, false);
    const result = authorizeSender(testServer({ allowSender: true }), headers);
    assert.equal(result.authorized && result.header, 'sender');
    const badSender = { from: ['boss@client.net'], sender: ['x@evil.test'] };
    assert.equal(authorizeSender(testServer({ allowSender: true }), badSender).authorized, false);
  });
});
