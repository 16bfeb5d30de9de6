import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString, MaxLength } from 'class-validator';

export class SetOktaHookDto {
  /** The header Okta sends the secret in (Okta admin: Event Hook → Authentication field). */
  @ApiPropertyOptional({ default: 'Authorization', example: 'Authorization' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  headerName?: string;

  /** The secret (Okta: Authentication secret), 16-512 printable ASCII characters. */
  @ApiPropertyOptional({ description: 'Give either secret or generate: true' })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  secret?: string;

  /** Let idsync generate a 256-bit secret; returned in this response only. */
  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  generate?: boolean;
}
