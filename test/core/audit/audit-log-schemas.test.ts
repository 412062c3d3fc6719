import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AuditEntryView, auditEntryView, type AuditRow } from '../../../core/audit/audit-log-schemas.ts';

const row: AuditRow = {
  id: 7,
  uuid: '7f1f1c2e-2f1a-4f43-9a55-0c6f1c6b0a11',
  actor_user_id: null,
  actor_description: 'system',
  organization_id: 3,
  server_id: null,
  action: 'organization.ip_pools.assign',
  resource_type: 'organization',
  resource_uuid: null,
  changes: '{"pools":[],"servers_reset":2}',
  ip_address: null,
  timestamp: Date.UTC(2026, 10, 25, 12),
  organization_permalink: 'acme',
  server_permalink: null,
};

describe('auditEntryView', () => {
  it('shows permalinks instead of ids and parses the recorded changes', () => {
    const view = auditEntryView(row);
    assert.deepEqual(view, {
      uuid: row.uuid,
      action: 'organization.ip_pools.assign',
      resource_type: 'organization',
      resource_uuid: null,
      actor: 'system',
      organization: 'acme',
      server: null,
      changes: { pools: [], servers_reset: 2 },
      ip_address: null,
      timestamp: '2026-11-25T12:00:00.000Z',
    });
    assert.ok(AuditEntryView.safeParse(view).success);
  });

  it('keeps an entry without changes as null', () => {
    assert.equal(auditEntryView({ ...row, changes: null }).changes, null);
  });
});
