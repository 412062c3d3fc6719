import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PosternError } from '../../../core/errors.ts';
import {
  TargetHostname,
  TargetUrl,
  redactUrl,
  requireAllowedTarget,
} from '../../../core/routing/target-schemas.ts';

describe('TargetUrl', () => {
  it('accepts http and https URLs, with basic-auth userinfo', () => {
    for (const url of [
      'https://hooks.example.com/in',
      'http://user:pa55@example.com:8080/x?y=1',
      'http://[2001:db8::1]/',
    ]) {
      assert.equal(TargetUrl.safeParse(url).success, true, url);
    }
  });

  it('refuses other schemes and text that is no URL', () => {
    for (const url of [
      'ftp://example.com/',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'example.com/hook',
      '',
      'http://',
    ]) {
      assert.equal(TargetUrl.safeParse(url).success, false, url);
    }
    assert.equal(TargetUrl.safeParse(`https://example.com/${'a'.repeat(2048)}`).success, false);
  });
});

describe('TargetHostname', () => {
  it('normalizes names and IP literals', () => {
    assert.equal(TargetHostname.parse(' MX.Example.COM. '), 'mx.example.com');
    assert.equal(TargetHostname.parse('[2001:DB8::1]'), '2001:db8::1');
    assert.equal(TargetHostname.parse('192.0.2.1'), '192.0.2.1');
    assert.equal(TargetHostname.parse('mailhost'), 'mailhost');
  });

  it('refuses what is neither a host name nor an IP address', () => {
    for (const host of [
      '',
      'exa mple.com',
      'http://example.com',
      '-bad.example.com',
      'a..b',
      '127.1',
      '2130706433',
      '0x7f.1',
      `${'a'.repeat(64)}.com`,
    ]) {
      assert.equal(TargetHostname.safeParse(host).success, false, host);
    }
  });
});

describe('requireAllowedTarget', () => {
  it('answers a private target with a 400 naming the field', () => {
    assert.throws(
      () => requireAllowedTarget(false, 'url', '169.254.169.254'),
      (error) =>
        error instanceof PosternError &&
        error.code === 'invalid_request' &&
        error.details?.[0]?.field === 'url',
    );
    assert.doesNotThrow(() => requireAllowedTarget(true, 'url', '169.254.169.254'));
    assert.doesNotThrow(() => requireAllowedTarget(false, 'url', 'example.com'));
  });
});

describe('redactUrl', () => {
  it('hides a basic-auth password and leaves other URLs as they are', () => {
    assert.equal(redactUrl('https://user:secret@example.com/in'), 'https://user:redacted@example.com/in');
    assert.equal(redactUrl('https://example.com/in?a=1'), 'https://example.com/in?a=1');
  });
});
