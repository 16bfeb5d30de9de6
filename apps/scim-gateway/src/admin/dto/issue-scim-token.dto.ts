import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';

export class IssueScimTokenDto {
  /** What the token is for, e.g. "Okta production". */
  @ApiPropertyOptional({ maxLength: 200, example: 'Okta production' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  description?: string;
}
