// Sunplug's languages. Each page brings its own dictionary (web/i18n/<page>.js) so that pages stay independent;
// a missing translation falls back to English, then to the key itself, so a gap shows up as a readable word.
export const LANGUAGES = [
  { code: 'en', name: 'English' },
  { code: 'pt-BR', name: 'Português (Brasil)' },
  { code: 'fr', name: 'Français' },
  { code: 'de', name: 'Deutsch' },
];
const STORAGE_KEY = 'sunplug.language';

/** The chosen language: the person's choice on this device, else the browser's preference, else English. */
export function currentLanguage() {
  const stored = safeStorage()?.getItem(STORAGE_KEY);
  if (stored && LANGUAGES.some((l) => l.code === stored)) return stored;
  for (const wanted of navigator.languages ?? [navigator.language]) {
    const exact = LANGUAGES.find((l) => l.code.toLowerCase() === String(wanted).toLowerCase());
    if (exact) return exact.code;
    const base = LANGUAGES.find((l) => l.code.split('-')[0] === String(wanted).split('-')[0].toLowerCase());
    if (base) return base.code;
  }
  return 'en';
}

export function setLanguage(code) {
  safeStorage()?.setItem(STORAGE_KEY, code);
}

/** `t('key', { n: 3 })` looks the key up in the current language and replaces `{n}`. */
export function translator(dictionaries, language = currentLanguage()) {
  const table = dictionaries[language] ?? {};
  const fallback = dictionaries.en ?? {};
  return (key, params) => {
    const text = table[key] ?? fallback[key] ?? key;
    return params ? text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole)) : text;
  };
}

// Private browsing modes may refuse storage; the dashboard still works, it just forgets the choice.
function safeStorage() {
  try {
    return window.localStorage;
  } catch {
    return undefined;
  }
}
