import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNumber, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

/** Okta Management API access: an SSWS token, or OAuth 2.0 client credentials (secret or private key). */
export class SetOktaApiDto {
  @ApiProperty({ example: 'https://example.okta.com' })
  @IsString()
  @MaxLength(256)
  orgUrl!: string;

  @ApiPropertyOptional({ description: 'An Okta API token (sent as `Authorization: SSWS …`)' })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  sswsToken?: string;

  @ApiPropertyOptional({ description: 'OAuth 2.0 service app client id (with clientSecret or privateKey)' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  clientId?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(512)
  clientSecret?: string;

  @ApiPropertyOptional({ description: 'PEM private key for private_key_jwt client authentication' })
  @IsOptional()
  @IsString()
  @MaxLength(16_384)
  privateKey?: string;

  @ApiPropertyOptional({ description: 'Key id (kid) of the private key registered with the Okta app' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  keyId?: string;

  @ApiPropertyOptional({ default: 'okta.users.read' })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  scopes?: string;

  @ApiPropertyOptional({ description: 'Share of the org rate limit the worker may use (0-1]; default OKTA_API_RATE_LIMIT_SHARE' })
  @IsOptional()
  @IsNumber()
  @Min(0.01)
  @Max(1)
  rateLimitShare?: number;
}
