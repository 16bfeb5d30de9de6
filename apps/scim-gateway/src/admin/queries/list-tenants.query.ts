export class ListTenantsQuery {}
