import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DeliveryJob } from '../../../core/delivery/delivery-job.ts';
import { AcceptedMessage } from '../../../core/messages/accepted-message.ts';

// Queue bodies written by the version before outlive an upgrade: they still parse.

const job = {
  version: 1,
  messageId: 7,
  serverId: 1,
  attempt: 2,
  mailFrom: 'abc+7.0123456789@rp.postern.test',
  rcptTo: 'someone@remote.test',
  preparedKey: 'prepared/7.eml',
  domain: 'remote.test',
  relay: null,
  needsSmtputf8: false,
  queuedAt: 1,
};

void describe('queue bodies of the version before', () => {
  void it('reads a delivery job with one source address as the half of its family, and no firstAttempt as 1', () => {
    const v4 = DeliveryJob.parse({ ...job, source: { address: '192.0.2.7', hostname: 'out.test' } });
    assert.deepEqual(
      [v4.source, v4.firstAttempt],
      [{ ipv4: '192.0.2.7', ipv6: null, hostname: 'out.test' }, 1],
    );
    const v6 = DeliveryJob.parse({ ...job, source: { address: '2001:db8::7', hostname: 'out.test' } });
    assert.deepEqual(v6.source, { ipv4: null, ipv6: '2001:db8::7', hostname: 'out.test' });
    const any = DeliveryJob.parse({ ...job, source: { address: null, hostname: 'out.test' } });
    assert.deepEqual(any.source, { ipv4: null, ipv6: null, hostname: 'out.test' });
  });

  void it('reads an accepted envelope without a sender domain', () => {
    const envelope = AcceptedMessage.parse({
      version: 1,
      serverId: 1,
      via: 'api',
      credentialId: 3,
      mailFrom: 'app@example.com',
      recipients: [
        { messageId: 7, token: 'T'.repeat(16), address: 'a@b.test', kind: 'outgoing', routeId: null },
      ],
      rawKey: 'raw/2026/12/03/x.eml',
      size: 10,
      acceptedAt: 1,
      tls: true,
      clientIp: null,
      bounce: false,
      tag: null,
    });
    assert.equal(envelope.senderDomainId, null);
  });
});
