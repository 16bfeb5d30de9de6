import { IsOptional, IsString, MaxLength } from 'class-validator';

export class IssueScimTokenDto {
  /** What the token is for, e.g. "Okta production". */
  @IsOptional()
  @IsString()
  @MaxLength(200)
  description?: string;
}
