export class CreateTenantCommand {
  constructor(readonly name: string) {}
}
