/** Every tenant with its webhook figures (the console's home page). */
export class ListConsoleTenantsQuery {}
