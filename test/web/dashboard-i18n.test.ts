import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

const LANGUAGES = ['en', 'pt-BR', 'fr', 'de'] as const;
type Dictionary = Record<string, Record<string, string>>;

/** The browser modules, loaded as they are served (plain ES modules without types). */
async function loadDictionary(name: string): Promise<Dictionary> {
  return (await import(new URL(`../../web/i18n/${name}.js`, import.meta.url).href) as { default: Dictionary }).default;
}

describe('dashboard dictionaries (overview, history, sessions)', () => {
  for (const name of ['live', 'history', 'sessions']) {
    it(`${name}: every string in all four languages, with the same placeholders`, async () => {
      const dictionary = await loadDictionary(name);
      const english = dictionary.en!;
      for (const language of LANGUAGES) {
        const table = dictionary[language];
        assert.ok(table, `${name}: ${language} missing`);
        assert.deepEqual(Object.keys(table).sort(), Object.keys(english).sort(), `${name}: ${language} has the same keys as en`);
        for (const [key, text] of Object.entries(table)) {
          assert.ok(text.trim().length > 0, `${name}.${language}.${key} is empty`);
          const placeholders = (s: string): string[] => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!).sort();
          assert.deepEqual(placeholders(text), placeholders(english[key]!), `${name}.${language}.${key} placeholders`);
        }
      }
    });
  }
});
