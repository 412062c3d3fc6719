import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateTrackDomainInput,
  UpdateTrackDomainInput,
  joinClickDomains,
  trackDomainView,
} from '../../../core/tracking/track-domain-schemas.ts';

describe('track domain inputs', () => {
  it("default to Postal's: name track, https, clicks and loads tracked, nothing excluded", () => {
    assert.deepEqual(CreateTrackDomainInput.parse({ domain: 'example.com' }), {
      domain: 'example.com',
      name: 'track',
      ssl_enabled: true,
      track_clicks: true,
      track_loads: true,
      excluded_click_domains: [],
    });
  });

  it('take one DNS label as the name and normalize excluded hosts', () => {
    const parsed = CreateTrackDomainInput.parse({
      domain: 'example.com',
      name: ' Clicks ',
      excluded_click_domains: ['Docs.Example.com', 'intranet'],
    });
    assert.equal(parsed.name, 'clicks');
    assert.deepEqual(parsed.excluded_click_domains, ['docs.example.com', 'intranet']);
    for (const name of ['a.b', '-x', 'x_y', '', 'x'.repeat(64)]) {
      const result = CreateTrackDomainInput.safeParse({ domain: 'example.com', name });
      assert.equal(result.success, false, name);
      assert.deepEqual(result.error?.issues[0]?.path, ['name']);
    }
    const badHost = UpdateTrackDomainInput.safeParse({
      excluded_click_domains: ['ok.example', 'not a host'],
    });
    assert.deepEqual(badHost.error?.issues[0]?.path, ['excluded_click_domains', 1]);
  });
});

describe('trackDomainView', () => {
  it('shows the host, the CNAME to publish and the excluded hosts as a list', () => {
    const view = trackDomainView(
      {
        id: 1,
        uuid: '00000000-0000-4000-8000-000000000001',
        server_id: 1,
        domain_id: 2,
        name: 'track',
        dns_status: 'OK',
        dns_error: null,
        dns_checked_at: 0,
        ssl_enabled: 1,
        track_clicks: 0,
        track_loads: 1,
        excluded_click_domains: joinClickDomains(['a.example', 'b.example', 'a.example']),
        created_at: 0,
        updated_at: 0,
        domain_name: 'example.com',
        domain_uuid: '00000000-0000-4000-8000-000000000002',
      },
      'track.postern.test',
    );
    assert.equal(view.host, 'track.example.com');
    assert.deepEqual(view.dns_record, {
      type: 'CNAME',
      name: 'track.example.com',
      value: 'track.postern.test',
    });
    assert.deepEqual(view.excluded_click_domains, ['a.example', 'b.example']);
    assert.equal(view.track_clicks, false);
  });
});
