import { optionalOperation } from './operation';

/** CheckEcosystem — `GET /ecosystem`: what the host's ecosystem supports. */
export const checkEcosystem = optionalOperation({
  name: 'CheckEcosystem',
  logName: 'check-ecosystem',
  requiresWrite: false,
  resource: 'ecosystem',
  handle: (options) => options.containers,
  async run() {
    return { json: { SupportsContainers: true } };
  },
});
