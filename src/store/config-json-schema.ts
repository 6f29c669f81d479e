import { z } from 'zod';
import { configSchema } from './config-schema.ts';

/** The JSON Schema of the config file (version 1), generated from the zod schema that validates it. */
export function configJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }),
    $id: 'https://sunplug.local/schema/config-v1.json',
    title: 'Sunplug installation config, version 1',
  };
}
