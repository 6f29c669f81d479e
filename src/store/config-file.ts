import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { configSchema, type SunplugConfig } from './config-schema.ts';

/** A config file that cannot be used, with one line per problem naming the path and what was expected. */
export class ConfigError extends Error {
  constructor(readonly file: string, readonly problems: readonly string[]) {
    super(`${file}: invalid configuration\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function parseConfigText(text: string, file = 'config'): SunplugConfig {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new ConfigError(file, document.errors.map((e) => `YAML: ${e.message.split('\n')[0]}`));
  }
  return validateConfig(document.toJS() ?? {}, file);
}

export function validateConfig(value: unknown, file = 'config'): SunplugConfig {
  const result = configSchema.safeParse(value);
  if (result.success) return result.data;
  throw new ConfigError(file, result.error.issues.map((issue) => {
    const path = issue.path.length === 0 ? '(top level)' : issue.path.map(String).join('.');
    return `${path}: ${issue.message}`;
  }));
}

export async function loadConfigFile(file: string): Promise<SunplugConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigError(file, [`cannot read the file: ${(error as Error).message}`]);
  }
  return parseConfigText(text, file);
}
