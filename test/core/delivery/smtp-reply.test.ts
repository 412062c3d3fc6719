import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  MAX_RETRY_HINT_SECONDS,
  advertises,
  hasEightBitBytes,
  isRateLimitReply,
  needsSmtputf8,
  outcomeOf,
  parseReply,
  retryHintSeconds,
  smtputf8Refusal,
} from '../../../core/delivery/smtp-reply.ts';

const bytes = (text: string) => Buffer.from(text, 'utf8');

void describe('parseReply', () => {
  void it('reads the code, the enhanced code and the text of a one-line reply', () => {
    assert.deepEqual(parseReply('550 5.1.1 <x@example.com>: Recipient address rejected'), {
      code: 550,
      enhanced: '5.1.1',
      text: '<x@example.com>: Recipient address rejected',
    });
  });

  void it('joins the lines of a multi-line reply', () => {
    assert.deepEqual(parseReply('451-4.7.1 Please slow down\r\n451 4.7.1 and try again in 3 minutes'), {
      code: 451,
      enhanced: '4.7.1',
      text: 'Please slow down and try again in 3 minutes',
    });
  });

  void it('ignores an enhanced code whose class does not match the reply (RFC 3463 §2)', () => {
    assert.deepEqual(parseReply('451 5.1.1 odd'), { code: 451, enhanced: null, text: '5.1.1 odd' });
  });

  void it('gives a null code for text that is no reply', () => {
    assert.deepEqual(parseReply('connect ECONNREFUSED 127.0.0.2:25'), {
      code: null,
      enhanced: null,
      text: 'connect ECONNREFUSED 127.0.0.2:25',
    });
  });
});

void describe('outcomeOf (Postal §6)', () => {
  void it('maps 2yz to Sent, 5yz to HardFail and 4yz, no reply or anything else to SoftFail', () => {
    assert.equal(outcomeOf(250), 'Sent');
    assert.equal(outcomeOf(550), 'HardFail');
    assert.equal(outcomeOf(554), 'HardFail');
    assert.equal(outcomeOf(421), 'SoftFail');
    assert.equal(outcomeOf(451), 'SoftFail');
    assert.equal(outcomeOf(null), 'SoftFail');
    assert.equal(outcomeOf(354), 'SoftFail');
  });
});

void describe('retryHintSeconds (Postal: N seconds or N minutes, plus 10 s)', () => {
  void it('reads seconds and minutes', () => {
    assert.equal(retryHintSeconds('451 4.7.1 Greylisted, try again in 300 seconds'), 310);
    assert.equal(retryHintSeconds('451 Try again in 3 minutes'), 190);
  });

  void it('prefers seconds when both appear, as Postal does', () => {
    assert.equal(retryHintSeconds('wait 2 minutes or 30 seconds'), 40);
  });

  void it('reads singular units too', () => {
    assert.equal(retryHintSeconds('try again in 1 minute'), 70);
  });

  void it('gives null without a hint', () => {
    assert.equal(retryHintSeconds('451 4.3.0 Temporary local problem'), null);
    assert.equal(retryHintSeconds(''), null);
  });

  void it('caps absurd hints at 12 hours', () => {
    assert.equal(retryHintSeconds('try again in 99999999 minutes'), MAX_RETRY_HINT_SECONDS);
  });
});

void describe('isRateLimitReply', () => {
  const rate = (reply: string) => isRateLimitReply(parseReply(reply));

  void it('takes every 421 as a rate signal', () => {
    assert.equal(rate('421 4.4.2 mx.example.com Service not available, closing transmission channel'), true);
    assert.equal(rate('421 Too many connections from your IP'), true);
  });

  void it('takes 4.7.x deferrals (Gmail, Yahoo) as rate or reputation signals', () => {
    assert.equal(rate('421-4.7.28 Gmail has detected an unusual rate of mail\r\n421 4.7.28 more'), true);
    assert.equal(rate('451 4.7.1 Temporarily deferred'), true);
  });

  void it('reads 4yz texts that say "too many" or "rate"', () => {
    assert.equal(rate('450 4.2.1 Too many messages, slow down'), true);
    assert.equal(rate('452 Rate limit exceeded'), true);
  });

  void it('leaves ordinary temporary failures and every permanent one alone', () => {
    assert.equal(rate('451 4.3.0 Try again in 3 minutes'), false);
    assert.equal(rate('450 4.2.0 Mailbox busy'), false);
    assert.equal(rate('550 5.7.1 Too many complaints: blocked'), false);
    assert.equal(rate('connect ECONNREFUSED 127.0.0.1:25'), false);
  });
});

void describe('advertises', () => {
  const ehlo = '250-mx.example.com Hello\n250-PIPELINING\n250-SIZE 10240000\n250-SMTPUTF8\n250 STARTTLS';

  void it('finds an extension keyword on its own line', () => {
    assert.equal(advertises(ehlo, 'SMTPUTF8'), true);
    assert.equal(advertises(ehlo, 'size'), true);
    assert.equal(advertises(ehlo, 'STARTTLS'), true);
  });

  void it('does not match the greeting text or a prefix', () => {
    assert.equal(advertises('250-mx.example.com SMTPUTF8 friendly\n250 PIPELINING', 'SMTPUTF8'), false);
    assert.equal(advertises('250-X\n250 SMTPUTF8X', 'SMTPUTF8'), false);
    assert.equal(advertises('', 'SMTPUTF8'), false);
  });
});

void describe('needsSmtputf8 (RFC 6531 §3.2, RFC 6532 §3)', () => {
  const ascii = { from: 'a@example.com', to: 'b@example.org' };

  void it('is false for an ASCII envelope and headers, even with an 8-bit body', () => {
    assert.equal(needsSmtputf8(ascii, bytes('Subject: hi\r\n\r\nGrüße\r\n')), false);
  });

  void it('is true for a non-ASCII address', () => {
    assert.equal(
      needsSmtputf8({ ...ascii, to: 'jörg@example.org' }, bytes('Subject: hi\r\n\r\nx\r\n')),
      true,
    );
  });

  void it('is true for UTF-8 in a header', () => {
    assert.equal(needsSmtputf8(ascii, bytes('Subject: Grüße\r\n\r\nx\r\n')), true);
  });

  void it('finds the end of the header section with bare LF too', () => {
    assert.equal(needsSmtputf8(ascii, bytes('Subject: hi\n\nGrüße\n')), false);
  });
});

void describe('hasEightBitBytes and smtputf8Refusal', () => {
  void it('notices any 8-bit byte', () => {
    assert.equal(hasEightBitBytes(bytes('plain')), false);
    assert.equal(hasEightBitBytes(bytes('Grüße')), true);
  });

  void it('names the host and the RFC in the reason', () => {
    const reason = smtputf8Refusal('192.0.2.1:25');
    assert.match(reason, /needs SMTPUTF8/);
    assert.match(reason, /192\.0\.2\.1:25 does not offer it/);
    assert.match(reason, /RFC 6531/);
  });
});
