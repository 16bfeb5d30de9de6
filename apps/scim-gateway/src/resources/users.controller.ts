import { Controller } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ScimResourceController } from './scim-resource.controller';

@ApiTags('SCIM: Users')
@Controller('scim/v2/Users')
export class UsersController extends ScimResourceController {
  protected readonly resourceType = 'User' as const;
}
