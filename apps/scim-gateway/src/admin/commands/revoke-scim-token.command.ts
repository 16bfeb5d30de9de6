export class RevokeScimTokenCommand {
  constructor(readonly tokenId: string) {}
}
