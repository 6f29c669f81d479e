// Charging sessions: a filtered list (dates in the site's zone, charger, card) with energy, cost, solar share and
// duration, and a link to the same list as a CSV file for a spreadsheet or an expense claim.
import { translator } from '../i18n.js';
import dictionary from '../i18n/sessions.js';
import { addLocalDays, parseLocal } from '../time.js';

const LIMIT = 500;

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === 'class') node.className = value;
    else node.setAttribute(name, value);
  }
  node.append(...children);
  return node;
}

function ensureStyle() {
  if (document.querySelector('link[data-page-style="sessions"]')) return;
  document.head.append(element('link', { rel: 'stylesheet', href: 'pages/sessions.css', 'data-page-style': 'sessions' }));
}

export default {
  id: 'sessions',
  mount(root, ctx) {
    ensureStyle();
    const t = translator(dictionary, ctx.lang);
    let generation = 0;
    const field = (id, labelKey, input) => element('div', { class: 'form-row' }, element('label', { for: id }, t(labelKey)), input);
    const from = element('input', { type: 'date', id: 'sessions-from', name: 'from' });
    const to = element('input', { type: 'date', id: 'sessions-to', name: 'to' });
    const charger = element('select', { id: 'sessions-charger', name: 'chargerId' }, new Option(t('allChargers'), ''));
    const card = element('input', { type: 'text', id: 'sessions-card', name: 'idTag', list: 'sessions-cards', maxlength: '64', autocomplete: 'off' });
    const cards = element('datalist', { id: 'sessions-cards' });
    const error = element('p', { class: 'field-error', id: 'sessions-error', role: 'alert' });
    error.hidden = true;
    const apply = element('button', { type: 'submit', class: 'button primary' }, t('apply'));
    const csv = element('a', { class: 'button', 'data-testid': 'sessions-csv', download: '', href: 'api/v1/sessions.csv' }, t('exportCsv'));
    const form = element('form', { class: 'toolbar filters', role: 'search', 'aria-label': t('filters') },
      field('sessions-from', 'from', from), field('sessions-to', 'to', to), field('sessions-charger', 'charger', charger),
      field('sessions-card', 'card', card), cards, element('div', { class: 'form-row actions' }, apply), element('div', { class: 'form-row actions' }, csv));
    const status = element('p', { class: 'hint', role: 'status' });
    const summary = element('dl', { class: 'summary', 'data-testid': 'sessions-summary' });
    const list = element('div', { class: 'table-wrap' });
    root.append(element('h2', {}, t('title')), form, error, summary, status, list);

    const fillChargers = (state) => {
      for (const c of state?.chargers ?? []) {
        if (![...charger.options].some((o) => o.value === c.id)) charger.append(new Option(c.name, c.id));
      }
    };
    fillChargers(ctx.state());
    const unsubscribe = ctx.onState(fillChargers);
    const chargerName = (id) => ctx.state()?.chargers.find((c) => c.id === id)?.name ?? id;

    /** The query of the current filters, or an error for the field that is wrong. */
    const query = () => {
      const params = new URLSearchParams();
      const tz = ctx.timeZone();
      const fromMs = from.value ? parseLocal(from.value, tz) : undefined;
      const toDay = to.value ? parseLocal(to.value, tz) : undefined;
      if (from.value && fromMs === undefined) return { error: t('badDate'), input: from };
      if (to.value && toDay === undefined) return { error: t('badDate'), input: to };
      // "To" is inclusive for people: up to the end of that local day.
      const toMs = toDay === undefined ? undefined : addLocalDays(toDay, 1, tz);
      if (fromMs !== undefined && toMs !== undefined && toMs <= fromMs) return { error: t('toBeforeFrom'), input: to };
      if (fromMs !== undefined) params.set('from', new Date(fromMs).toISOString());
      if (toMs !== undefined) params.set('to', new Date(toMs).toISOString());
      if (charger.value) params.set('chargerId', charger.value);
      if (card.value.trim()) params.set('idTag', card.value.trim());
      return { params };
    };

    const showError = (message, input) => {
      error.textContent = message;
      error.hidden = false;
      for (const i of [from, to]) { i.removeAttribute('aria-invalid'); i.removeAttribute('aria-describedby'); }
      if (input) {
        input.setAttribute('aria-invalid', 'true');
        input.setAttribute('aria-describedby', 'sessions-error');
        input.focus();
      }
    };

    const render = (sessions) => {
      for (const tag of new Set(sessions.map((s) => s.idTag).filter(Boolean))) {
        if (![...cards.options].some((o) => o.value === tag)) cards.append(element('option', { value: tag }));
      }
      const energyWh = sessions.reduce((sum, s) => sum + s.energyWh, 0);
      const currencies = new Set(sessions.filter((s) => s.cost !== null).map((s) => s.currency));
      const cost = currencies.size === 1 ? sessions.reduce((sum, s) => sum + (s.cost ?? 0), 0) : null;
      const solarWh = sessions.reduce((sum, s) => sum + (s.solarWh ?? 0), 0);
      const accounted = sessions.filter((s) => s.solarShare !== null).reduce((sum, s) => sum + s.energyWh, 0);
      summary.replaceChildren(
        element('div', {}, element('dt', {}, t('count')), element('dd', {}, String(sessions.length))),
        element('div', {}, element('dt', {}, t('energy')), element('dd', { 'data-testid': 'sessions-total-energy' }, ctx.format.energy(energyWh))),
        element('div', {}, element('dt', {}, t('cost')), element('dd', {}, cost === null ? '–' : ctx.format.money(cost, [...currencies][0]))),
        element('div', {}, element('dt', {}, t('solarShare')), element('dd', {}, accounted > 0 ? ctx.format.percent(solarWh / accounted) : '–')),
      );
      if (sessions.length === 0) {
        list.replaceChildren(element('p', { class: 'hint' }, t('none')));
        return;
      }
      const head = ['date', 'charger', 'card', 'energy', 'cost', 'solarShare', 'duration'];
      // Column classes; "card" would pick up the shared card box style.
      const column = (key) => (key === 'card' ? 'id-tag' : key);
      list.replaceChildren(element('table', { class: 'table sessions', 'data-testid': 'sessions-table' },
        element('caption', { class: 'visually-hidden' }, t('title')),
        element('thead', {}, element('tr', {}, ...head.map((key) => element('th', { scope: 'col', class: column(key) }, t(key))))),
        element('tbody', {}, ...sessions.map((s) => element('tr', { 'data-session-id': String(s.id) },
          element('td', { class: 'date' }, ctx.format.dateTime(s.startedAtMs)),
          element('td', { class: 'charger' }, chargerName(s.chargerId)),
          element('td', { class: 'id-tag' }, s.idTag ?? '–', s.owner ? element('span', { class: 'owner' }, s.owner) : ''),
          element('td', { class: 'energy' }, ctx.format.energy(s.energyWh)),
          element('td', { class: 'cost' }, s.cost === null ? '–' : `${ctx.format.money(s.cost, s.currency)}${s.costEstimated ? ' *' : ''}`),
          element('td', { class: 'solarShare' }, ctx.format.percent(s.solarShare)),
          element('td', { class: 'duration' }, s.durationMs === null ? t('running') : ctx.format.duration(s.durationMs)),
        )))));
      if (sessions.some((s) => s.costEstimated)) list.append(element('p', { class: 'hint' }, t('estimated')));
    };

    const load = async () => {
      error.hidden = true;
      const built = query();
      if (built.error) {
        showError(built.error, built.input);
        return;
      }
      for (const i of [from, to]) { i.removeAttribute('aria-invalid'); i.removeAttribute('aria-describedby'); }
      const mine = ++generation;
      const text = built.params.toString();
      csv.href = `api/v1/sessions.csv${text ? `?${text}` : ''}`;
      built.params.set('limit', String(LIMIT));
      status.textContent = t('loading');
      try {
        const sessions = await ctx.api(`api/v1/sessions?${built.params}`);
        if (mine !== generation) return;
        status.textContent = sessions.length === LIMIT ? t('limited', { n: LIMIT }) : '';
        render(sessions);
      } catch (failure) {
        if (mine !== generation) return;
        status.textContent = '';
        showError(t('loadFailed', { message: failure.message }));
      }
    };
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void load();
    });
    charger.addEventListener('change', () => void load());
    void load();
    return () => {
      generation++;
      unsubscribe();
    };
  },
};
