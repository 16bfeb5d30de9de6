import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';

export class CreateTenantDto {
  // Same rule TenantService enforces, checked here so a bad name is a 400 with a field message.
  @ApiProperty({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$', example: 'acme', description: 'Unique, case-insensitively' })
  @IsString()
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, { message: 'name must be 1-63 characters: letters, digits, . _ - (starting with a letter or digit)' })
  name!: string;
}
