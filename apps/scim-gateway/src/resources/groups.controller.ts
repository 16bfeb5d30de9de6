import { Controller } from '@nestjs/common';
import { ScimResourceController } from './scim-resource.controller';

@Controller('scim/v2/Groups')
export class GroupsController extends ScimResourceController {
  protected readonly resourceType = 'Group' as const;
}
