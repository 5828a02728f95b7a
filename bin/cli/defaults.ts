/** The config directory every command reads unless told otherwise. */
export const DEFAULT_CONFIG_DIR = 'dag-config';
