// Sunplug dashboard shell: navigation, language, the live state over socket.io, and the context every page gets
// (see docs/design.md, "Dashboard"). Pages are ES modules in pages/ loaded when first opened, so the phone only
// downloads what it shows. All URLs are relative: the dashboard works at any path (Home Assistant ingress, a proxy).
import { LANGUAGES, currentLanguage, setLanguage, translator } from './i18n.js';
import shellDictionary from './i18n/shell.js';

const PAGES = ['live', 'history', 'sessions', 'cards', 'settings', 'installer'];
const lang = currentLanguage();
const t = translator(shellDictionary, lang);
const $ = (id) => document.getElementById(id);

let latestState;
const stateListeners = new Set();

/** JSON API call relative to the page; a 401 means the login has expired or was never made. */
async function api(path, init = {}) {
  const headers = { Accept: 'application/json', ...(init.headers ?? {}) };
  let body = init.body;
  if (body !== undefined && typeof body !== 'string' && !(body instanceof Blob) && !(body instanceof FormData)) {
    body = JSON.stringify(body);
    headers['Content-Type'] = 'application/json';
  }
  const response = await fetch(path, { ...init, headers, body, credentials: 'same-origin' });
  const text = await response.text();
  let parsed;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = text;
  }
  if (response.status === 401) {
    location.href = 'login.html';
  }
  if (!response.ok) {
    const error = new Error(parsed?.error?.message ?? `${response.status} ${response.statusText}`);
    error.status = response.status;
    error.code = parsed?.error?.code;
    error.body = parsed;
    throw error;
  }
  return parsed;
}

/** The site's zone once the first state has arrived; the browser's until then. */
function timeZone() {
  return latestState?.site?.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
}

// Numbers in the chosen language's style (2,00 kW in German, French and Portuguese); one formatter per precision.
const numberFormats = new Map();
function decimals(digits) {
  let f = numberFormats.get(digits);
  if (!f) {
    f = new Intl.NumberFormat(lang, { minimumFractionDigits: digits, maximumFractionDigits: digits });
    numberFormats.set(digits, f);
  }
  return f;
}

const format = {
  power(watts) {
    if (watts === null || watts === undefined) return '–';
    const abs = Math.abs(watts);
    return abs >= 1000 ? `${decimals(2).format(watts / 1000)} kW` : `${decimals(0).format(Math.round(watts))} W`;
  },
  energy(wh) {
    if (wh === null || wh === undefined) return '–';
    return `${new Intl.NumberFormat(lang, { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(wh / 1000)} kWh`;
  },
  money(amount, currency) {
    if (amount === null || amount === undefined) return '–';
    if (!currency) return new Intl.NumberFormat(lang, { maximumFractionDigits: 2 }).format(amount);
    return new Intl.NumberFormat(lang, { style: 'currency', currency }).format(amount);
  },
  /** A price per kWh: more digits than money, tariffs differ in the third decimal. */
  price(perKWh, currency) {
    if (perKWh === null || perKWh === undefined) return '–';
    const options = currency ? { style: 'currency', currency, minimumFractionDigits: 2, maximumFractionDigits: 3 } : { maximumFractionDigits: 3 };
    return `${new Intl.NumberFormat(lang, options).format(perKWh)}/kWh`;
  },
  /** A share 0..1 as a whole percentage. */
  percent(share) {
    if (share === null || share === undefined) return '–';
    return new Intl.NumberFormat(lang, { style: 'percent', maximumFractionDigits: 0 }).format(share);
  },
  current(amps) {
    return amps === null || amps === undefined ? '–' : `${decimals(1).format(amps)} A`;
  },
  dateTime(ms) {
    return new Intl.DateTimeFormat(lang, { dateStyle: 'short', timeStyle: 'short', timeZone: timeZone() }).format(ms);
  },
  date(ms) {
    return new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeZone: timeZone() }).format(ms);
  },
  time(ms) {
    return new Intl.DateTimeFormat(lang, { timeStyle: 'short', timeZone: timeZone() }).format(ms);
  },
  duration(ms) {
    const minutes = Math.round(ms / 60000);
    return minutes >= 60 ? `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min` : `${minutes} min`;
  },
};

const context = {
  api, t, format, lang, timeZone,
  state: () => latestState,
  onState(listener) {
    stateListeners.add(listener);
    return () => stateListeners.delete(listener);
  },
};

function renderShell() {
  document.documentElement.lang = lang;
  $('connection').textContent = t('connecting');
  $('demo-badge').textContent = t('demo');
  $('language-label').textContent = t('language');
  const select = $('language');
  for (const language of LANGUAGES) {
    const option = new Option(language.name, language.code, false, language.code === lang);
    select.append(option);
  }
  select.addEventListener('change', () => {
    setLanguage(select.value);
    location.reload();
  });
  const nav = $('nav');
  nav.setAttribute('aria-label', t('navigation'));
  for (const id of PAGES) {
    const link = document.createElement('a');
    link.href = `#/${id}`;
    link.textContent = t(id);
    link.dataset.page = id;
    nav.append(link);
  }
  const logout = $('logout');
  logout.textContent = t('logout');
  logout.addEventListener('click', async () => {
    await api('api/v1/auth/logout', { method: 'POST' }).catch(() => undefined);
    location.href = 'login.html';
  });
  // The logout button only makes sense for a login session (authentication may be off on a test bench, and a
  // token in a header cannot be logged out of).
  api('api/v1/auth/status').then((status) => { logout.hidden = !(status?.authenticated && status.via === 'cookie'); }, () => undefined);
}

let unmount;
let shown;
async function showPage() {
  const requested = location.hash.replace(/^#\//, '');
  const id = PAGES.includes(requested) ? requested : 'live';
  if (id === shown) return;
  shown = id;
  for (const link of document.querySelectorAll('#nav a')) {
    if (link.dataset.page === id) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  if (typeof unmount === 'function') unmount();
  unmount = undefined;
  const root = $('page');
  root.replaceChildren();
  const section = document.createElement('section');
  section.dataset.page = id;
  root.append(section);
  document.title = `${t(id)} · Sunplug`;
  try {
    const module = await import(`./pages/${id}.js`);
    if (shown !== id) return;
    unmount = module.default.mount(section, context);
  } catch (error) {
    const message = document.createElement('p');
    message.className = 'warning';
    message.textContent = t('pageUnavailable');
    section.replaceChildren(message);
    console.error(error);
  }
}

function connectLive() {
  const basePath = location.pathname.endsWith('/') ? location.pathname : location.pathname.replace(/[^/]*$/, '');
  // eslint-disable-next-line no-undef
  const socket = io({ path: `${basePath}socket.io` });
  socket.on('connect', () => { $('connection').textContent = t('connected'); $('connection').dataset.live = 'true'; });
  socket.on('disconnect', () => { $('connection').textContent = t('reconnecting'); delete $('connection').dataset.live; });
  // A refused socket usually means the login expired: asking the API finds out and sends the browser to the login page.
  socket.on('connect_error', () => { api('api/v1/state').catch(() => undefined); });
  socket.on('state', (state) => {
    latestState = state;
    $('site-name').textContent = state.site.name;
    $('demo-badge').hidden = !state.demo;
    for (const listener of stateListeners) listener(state);
  });
  context.socket = socket;
}

renderShell();
connectLive();
window.addEventListener('hashchange', showPage);
showPage();
