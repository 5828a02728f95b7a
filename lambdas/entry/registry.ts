import { makeRegistryHandler } from '../handlers/fleet';
import { lambdaFleetDeps } from '../runtime/aws-deps';
import { powertoolsLog } from '../runtime/powertools';

const { log } = powertoolsLog('rsched-registry');
export const handler = makeRegistryHandler(lambdaFleetDeps(log));
