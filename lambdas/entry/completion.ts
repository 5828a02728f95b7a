import { makeCompletionHandler } from '../handlers/completion';
import { lambdaCompletionDeps } from '../runtime/completion-deps';
import { powertoolsLog } from '../runtime/powertools';

const { log } = powertoolsLog('rsched-completion');
export const handler = makeCompletionHandler(lambdaCompletionDeps(log));
