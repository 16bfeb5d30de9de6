import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { oktaSubjectId } from '@idsync/contracts';

export interface LinkedSubject {
  subjectId: string;
  scimResourceId: string | null;
}

/**
 * One subject per person: when the tenant's users are also provisioned by SCIM, an Okta user is
 * the SCIM User whose externalId is the Okta user id (what Okta's SCIM connector sends), or else
 * whose userName is the Okta login. Otherwise the subject is a stable id derived from the tenant
 * and the Okta user id. Reads scim-gateway's scim_resources (same database), scoped by tenant.
 */
@Injectable()
export class OktaSubjectLinker {
  constructor(private readonly db: DataSource) {}

  async link(tenantId: string, oktaUserId: string, login: string | null): Promise<LinkedSubject> {
    const rows = (await this.db.query(
      `SELECT id FROM scim_resources
        WHERE tenant_id = $1 AND resource_type = 'User' AND (external_id = $2 OR ($3::text IS NOT NULL AND lower(user_name) = lower($3::text)))
        ORDER BY (external_id = $2) DESC NULLS LAST, created_at LIMIT 1`,
      [tenantId, oktaUserId, login],
    )) as Array<{ id: string }>;
    const id = rows[0]?.id;
    return id ? { subjectId: id, scimResourceId: id } : { subjectId: oktaSubjectId(tenantId, oktaUserId), scimResourceId: null };
  }
}
