import { Controller } from '@nestjs/common';
import { ScimResourceController } from './scim-resource.controller';

@Controller('scim/v2/Users')
export class UsersController extends ScimResourceController {
  protected readonly resourceType = 'User' as const;
}
