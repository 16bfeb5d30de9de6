import { ApiProperty } from '@nestjs/swagger';

// Response shapes of the admin API, for the OpenAPI document (the handlers return the services' types).

export class TenantResponse {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'acme' })
  name!: string;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
}

export class IssuedScimTokenResponse {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  tenantId!: string;

  @ApiProperty({ description: 'The bearer token for the identity provider. Shown once: only its SHA-256 is stored.', example: 'idsync_scim_…' })
  token!: string;
}

export class ScimTokenSummaryResponse {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  tenantId!: string;

  @ApiProperty({ type: 'string', nullable: true, example: 'Okta production' })
  description!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ type: 'string', format: 'date-time', nullable: true })
  lastUsedAt!: string | null;

  @ApiProperty({ type: 'string', format: 'date-time', nullable: true })
  revokedAt!: string | null;
}
