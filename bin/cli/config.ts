import type { Dag } from '../../lambdas/domain/config/dag';
import { readConfigDir } from '../../lambdas/domain/config/read-dir';
import { loadDag } from '../../lambdas/domain/config/validate';
import { DEFAULT_CONFIG_DIR } from './defaults';
import { UsageError } from './run';

export { DEFAULT_CONFIG_DIR };

/** Reads and validates a config directory; invalid config throws ConfigInvalidError (exit 2). */
export function loadDagFromDir(dir: string = DEFAULT_CONFIG_DIR): Dag {
  let files: ReturnType<typeof readConfigDir>;
  try {
    files = readConfigDir(dir);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  return loadDag(files);
}
