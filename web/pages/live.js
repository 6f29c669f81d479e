// The homeowner's overview: where the power flows now, the tariff now and for the next hours, and one card per
// charger with its state in plain words, the running session's energy, cost and solar share, and the charge mode.
import { translator } from '../i18n.js';
import dictionary from '../i18n/live.js';
import { isoLocalDateTime, parseLocal } from '../time.js';

const MODES = ['off', 'solar', 'minsolar', 'fast', 'plan'];
const TARIFF_HOURS = 12;
const SESSION_REFRESH_MS = 15_000;
const TARIFF_REFRESH_MS = 5 * 60_000;

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === 'class') node.className = value;
    else node.setAttribute(name, value);
  }
  node.append(...children);
  return node;
}

/** Writes text only when it changed: a live region re-announces every write, and the state arrives every second. */
function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

function ensureStyles() {
  if (document.querySelector('link[data-page-style="live"]')) return;
  document.head.append(element('link', { rel: 'stylesheet', href: 'pages/live.css', 'data-page-style': 'live' }));
}

export default {
  id: 'live',
  mount(root, ctx) {
    ensureStyles();
    const t = translator(dictionary, ctx.lang);
    const timers = [];
    let latest;
    /** The running session of each charger (from the sessions API: energy, cost, solar share). */
    let running = new Map();

    const tile = (kind, labelKey, testId) => {
      const value = element('span', { class: 'value', 'data-testid': testId }, '–');
      const label = element('span', { class: 'label' }, t(labelKey));
      const note = element('span', { class: 'note' });
      return { node: element('div', { class: `tile ${kind}` }, label, value, note), label, value, note };
    };
    const pv = tile('pv', 'solar', 'pv-power');
    const home = tile('home', 'home', 'home-power');
    const cars = tile('car', 'cars', 'car-power');
    const grid = tile('grid', 'grid', 'grid-power');
    const battery = tile('battery', 'battery', 'battery-power');
    const stale = element('p', { class: 'warning', role: 'alert' }, t('gridStale'));
    const chargers = element('div', { class: 'chargers' });
    const noChargers = element('p', {}, t('noChargers'));
    const tariffBox = element('div', { class: 'card tariff', 'data-testid': 'tariff' });
    // Nothing is known before the first state arrives: show neither a warning nor an empty battery.
    stale.hidden = true;
    battery.node.hidden = true;
    noChargers.hidden = true;
    tariffBox.hidden = true;
    root.append(
      element('h2', { id: 'flow-title' }, t('powerNow')),
      element('div', { class: 'flow', role: 'group', 'aria-labelledby': 'flow-title' }, pv.node, home.node, cars.node, grid.node, battery.node),
      stale,
      element('h2', { id: 'chargers-title' }, t('chargers')),
      chargers,
      noChargers,
      tariffBox,
    );

    // The reason in the chosen language; a code this page does not know yet shows the server's English text.
    const reasonText = (charger) => {
      if (!charger.reason) return '';
      const key = `reason.${charger.reason}`;
      const text = t(key);
      return text === key ? (charger.reasonText ?? '') : text;
    };

    const renderCharger = (charger) => {
      let card = chargers.querySelector(`[data-charger-id="${CSS.escape(charger.id)}"]`);
      if (!card) {
        card = buildCard(charger);
        chargers.append(card);
      }
      setText(card.querySelector('.name'), charger.name);
      const status = card.querySelector('.status');
      setText(status, t(`status.${charger.status}`));
      status.dataset.status = charger.status;
      setText(card.querySelector('.vehicle'), charger.connected ? t(charger.vehicleConnected ? 'carConnected' : 'carNotConnected') : '');
      setText(card.querySelector('.power'), ctx.format.power(charger.powerW));
      setText(card.querySelector('.current'), charger.currentA === null ? '–' : `${ctx.format.current(charger.currentA)} × ${charger.phases}`);
      setText(card.querySelector('.limit'), ctx.format.current(charger.limitA));
      const session = running.get(charger.id);
      setText(card.querySelector('.energy'), ctx.format.energy(charger.sessionEnergyWh ?? session?.energyWh ?? null));
      setText(card.querySelector('.cost'), session ? ctx.format.money(session.cost, session.currency) : '–');
      setText(card.querySelector('.solar-share'), session ? ctx.format.percent(session.solarShare) : '–');
      const reason = card.querySelector('.reason');
      setText(reason, reasonText(charger));
      reason.dataset.reason = charger.reason ?? '';
      const detail = card.querySelector('.detail');
      setText(detail, charger.detail ?? '');
      detail.hidden = !charger.detail;
      if (!card.dataset.pending) {
        for (const input of card.querySelectorAll('input[type=radio]')) input.checked = input.value === charger.mode;
      }
      renderPlan(card, charger);
    };

    const buildCard = (charger) => {
      const card = element('article', { class: 'card charger', 'data-charger-id': charger.id, 'aria-labelledby': `charger-${charger.id}-name` });
      const row = (key, cls) => element('div', {}, element('dt', {}, t(key)), element('dd', { class: cls }));
      const modes = element('fieldset', { class: 'modes' }, element('legend', {}, t('mode')));
      for (const mode of MODES) {
        const input = element('input', { type: 'radio', name: `mode-${charger.id}`, value: mode });
        input.addEventListener('change', () => setMode(charger.id, mode, card));
        modes.append(element('label', {}, input, ` ${t(`mode.${mode}`)}`));
      }
      const modeError = element('p', { class: 'field-error', id: `charger-${charger.id}-mode-error`, role: 'alert' });
      modeError.hidden = true;
      card.append(
        element('header', {}, element('h3', { class: 'name', id: `charger-${charger.id}-name` }), element('span', { class: 'status' })),
        element('p', { class: 'vehicle' }),
        element('dl', {},
          row('power', 'power'), row('current', 'current'), row('limit', 'limit'),
          row('session', 'energy'), row('cost', 'cost'), row('solarShare', 'solar-share')),
        element('p', { class: 'reason', 'aria-live': 'polite' }),
        element('p', { class: 'detail hint' }),
        modes,
        modeError,
        buildPlanForm(charger),
      );
      return card;
    };

    const buildPlanForm = (charger) => {
      const id = (name) => `plan-${charger.id}-${name}`;
      const departure = element('input', { type: 'datetime-local', id: id('departure'), name: 'departure', required: '' });
      const energy = element('input', { type: 'number', id: id('energy'), name: 'energyKWh', min: '0.1', max: '200', step: '0.1', inputmode: 'decimal' });
      const soc = element('input', { type: 'number', id: id('soc'), name: 'socPercent', min: '1', max: '100', step: '1', inputmode: 'numeric' });
      const error = element('p', { class: 'field-error', id: id('error'), role: 'alert' });
      error.hidden = true;
      const save = element('button', { type: 'submit', class: 'button primary' }, t('plan.save'));
      const clear = element('button', { type: 'button', class: 'button' }, t('plan.clear'));
      const summary = element('p', { class: 'plan-summary' });
      const form = element('form', { class: 'plan', novalidate: '' },
        element('h4', {}, t('plan.title')),
        summary,
        element('div', { class: 'form-row' }, element('label', { for: id('departure') }, t('plan.departure')), departure),
        element('div', { class: 'plan-targets' },
          element('div', { class: 'form-row' }, element('label', { for: id('energy') }, t('plan.energy')), energy),
          element('div', { class: 'form-row' }, element('label', { for: id('soc') }, t('plan.soc')), soc)),
        element('p', { class: 'hint' }, t('plan.hint')),
        error,
        element('div', { class: 'toolbar' }, save, clear),
      );
      form.hidden = true;
      const showError = (message, input) => {
        error.textContent = message;
        error.hidden = false;
        for (const field of [departure, energy, soc]) {
          field.removeAttribute('aria-invalid');
          field.removeAttribute('aria-describedby');
        }
        if (input) {
          input.setAttribute('aria-invalid', 'true');
          input.setAttribute('aria-describedby', id('error'));
          input.focus();
        }
      };
      form.addEventListener('submit', async (event) => {
        event.preventDefault();
        error.hidden = true;
        const departureMs = parseLocal(departure.value, ctx.timeZone());
        if (departureMs === undefined) return showError(t('plan.errorDeparture'), departure);
        if (departureMs <= (latest?.atMs ?? Date.now())) return showError(t('plan.errorPast'), departure);
        const body = { departure: new Date(departureMs).toISOString() };
        if (energy.value !== '') {
          const kwh = Number(energy.value);
          if (!(kwh > 0 && kwh <= 200)) return showError(t('plan.errorEnergy'), energy);
          body.energyWh = Math.round(kwh * 1000);
        }
        if (soc.value !== '') {
          const pct = Number(soc.value);
          if (!(Number.isInteger(pct) && pct >= 1 && pct <= 100)) return showError(t('plan.errorSoc'), soc);
          body.socPercent = pct;
        }
        if (body.energyWh === undefined && body.socPercent === undefined) return showError(t('plan.errorTarget'), energy);
        if (body.energyWh !== undefined && body.socPercent !== undefined) return showError(t('plan.errorBoth'), soc);
        save.disabled = true;
        try {
          await ctx.api(`api/v1/chargers/${encodeURIComponent(charger.id)}/plan`, { method: 'PUT', body });
          summary.textContent = t('plan.saved');
          if (latest) render(latest);
        } catch (failure) {
          showError(failure.status === 404 && failure.code !== 'charger_not_found' ? t('plan.unavailable') : failure.message);
        } finally {
          save.disabled = false;
        }
      });
      clear.addEventListener('click', async () => {
        error.hidden = true;
        try {
          await ctx.api(`api/v1/chargers/${encodeURIComponent(charger.id)}/plan`, { method: 'DELETE' });
          summary.textContent = t('plan.none');
        } catch (failure) {
          showError(failure.status === 404 && failure.code !== 'charger_not_found' ? t('plan.unavailable') : failure.message);
        }
      });
      return form;
    };

    // The plan as the state shows it (ChargerPlanView): target, departure, and how the planner stands.
    const renderPlan = (card, charger) => {
      const form = card.querySelector('form.plan');
      form.hidden = charger.mode !== 'plan';
      if (form.hidden) return;
      const plan = charger.plan;
      const summary = form.querySelector('.plan-summary');
      if (!plan) {
        setText(summary, t('plan.none'));
        return;
      }
      const target = plan.energyWh !== null ? ctx.format.energy(plan.energyWh) : plan.socPercent !== null ? `${plan.socPercent} %` : '–';
      const parts = [t('plan.current', { target, departure: ctx.format.dateTime(plan.departureAtMs) })];
      if (plan.source === 'vehicle') parts.push(t('plan.fromCar'));
      if (plan.status) parts.push(t(`plan.status.${plan.status}`));
      if (plan.nextStartAtMs !== null && plan.status === 'planned') parts.push(t('plan.nextStart', { time: ctx.format.dateTime(plan.nextStartAtMs) }));
      if (plan.expectedFinishAtMs !== null) parts.push(t('plan.finish', { time: ctx.format.dateTime(plan.expectedFinishAtMs) }));
      setText(summary, parts.join(' · '));
      const input = form.querySelector('input[name=departure]');
      if (!input.value && plan.source === 'user') input.value = isoLocalDateTime(plan.departureAtMs, ctx.timeZone());
    };

    const setMode = async (chargerId, mode, card) => {
      card.dataset.pending = 'true';
      const error = card.querySelector(`#${CSS.escape(`charger-${chargerId}-mode-error`)}`);
      error.hidden = true;
      try {
        await ctx.api(`api/v1/chargers/${encodeURIComponent(chargerId)}/mode`, { method: 'PUT', body: { mode } });
      } catch (failure) {
        error.textContent = t('modeFailed', { message: failure.message });
        error.hidden = false;
      } finally {
        delete card.dataset.pending;
        if (latest) render(latest);
      }
    };

    const render = (state) => {
      latest = state;
      setText(pv.value, ctx.format.power(state.site.pvPowerW));
      setText(home.value, ctx.format.power(state.site.homePowerW));
      const carsW = state.chargers.reduce((sum, c) => sum + c.powerW, 0);
      setText(cars.value, ctx.format.power(carsW));
      const pvW = state.site.pvPowerW ?? 0;
      const homeW = state.site.homePowerW;
      // Where the cars' power comes from now, by the same rule as the session accounting: PV surplus after the home.
      setText(cars.note, carsW > 0 && homeW !== null ? t('fromSun', { share: ctx.format.percent(Math.min(1, Math.max(0, pvW - homeW) / carsW)) }) : '');
      const gridW = state.site.gridPowerW;
      setText(grid.label, gridW === null ? t('grid') : gridW < 0 ? t('gridExport') : t('gridImport'));
      setText(grid.value, gridW === null ? '–' : ctx.format.power(Math.abs(gridW)));
      grid.node.dataset.direction = gridW === null ? '' : gridW < 0 ? 'export' : 'import';
      stale.hidden = !state.site.gridStale;
      battery.node.hidden = state.site.batteryPowerW === null;
      const batteryW = state.site.batteryPowerW;
      setText(battery.label, batteryW === null || Math.abs(batteryW) < 1 ? t('battery') : batteryW > 0 ? t('batteryDischarging') : t('batteryCharging'));
      setText(battery.value, batteryW === null ? '–' : ctx.format.power(Math.abs(batteryW)));
      setText(battery.note, state.site.batterySocPct === null ? '' : `${Math.round(state.site.batterySocPct)} %`);
      noChargers.hidden = state.chargers.length > 0;
      for (const charger of state.chargers) renderCharger(charger);
      for (const card of [...chargers.children]) {
        if (!state.chargers.some((c) => c.id === card.dataset.chargerId)) card.remove();
      }
    };

    const loadSessions = async () => {
      try {
        const sessions = await ctx.api('api/v1/sessions?limit=20');
        const next = new Map();
        for (const session of sessions) {
          if (session.stoppedAtMs === null && !next.has(session.chargerId)) next.set(session.chargerId, session);
        }
        running = next;
        if (latest) render(latest);
      } catch {
        // The cards keep their last numbers; the next refresh tries again.
      }
    };

    const renderTariff = (answer) => {
      if (!answer.configured) {
        tariffBox.hidden = true;
        return;
      }
      tariffBox.hidden = false;
      const currency = answer.currency ?? undefined;
      const hours = [];
      for (let i = 0; i < TARIFF_HOURS; i++) {
        const startMs = Math.floor(answer.atMs / 3_600_000) * 3_600_000 + i * 3_600_000;
        const slot = answer.grid.slots.find((s) => s.startMs <= Math.max(startMs, answer.atMs) && Math.max(startMs, answer.atMs) < s.endMs);
        hours.push({ startMs, price: slot ? slot.pricePerKWh : null });
      }
      const known = hours.filter((h) => h.price !== null);
      const max = Math.max(...known.map((h) => h.price), 0.0001);
      const min = Math.min(...known.map((h) => h.price));
      // A flat price has no cheapest hour worth pointing at.
      const varies = known.length > 0 && min < max;
      const cheapest = varies ? known.find((h) => h.price === min) : undefined;
      const list = element('ol', { class: 'price-bars', 'aria-label': t('tariff.next', { n: TARIFF_HOURS }) });
      for (const hour of hours) {
        const bar = element('span', { class: 'bar', 'aria-hidden': 'true' });
        bar.style.height = hour.price === null ? '0' : `${Math.max(4, (Math.max(0, hour.price) / max) * 100)}%`;
        const item = element('li', { class: varies && hour.price === min ? 'cheap' : '' },
          bar,
          element('span', { class: 'hour' }, ctx.format.time(hour.startMs)),
          element('span', { class: 'visually-hidden' }, `: ${hour.price === null ? t('tariff.unknown') : ctx.format.price(hour.price, currency)}`));
        item.title = `${ctx.format.time(hour.startMs)} ${hour.price === null ? t('tariff.unknown') : ctx.format.price(hour.price, currency)}`;
        list.append(item);
      }
      const statusNote = answer.grid.status === 'ok' ? '' : t(`tariff.status.${answer.grid.status}`);
      tariffBox.replaceChildren(
        element('h2', { id: 'tariff-title' }, t('tariff.title')),
        element('p', { class: 'price-now' },
          element('span', { class: 'label' }, t('tariff.now')), ' ',
          element('strong', { 'data-testid': 'price-now' }, ctx.format.price(answer.grid.priceNowPerKWh, currency)),
          answer.feedIn.priceNowPerKWh ? element('span', { class: 'hint' }, ` · ${t('tariff.feedIn')} ${ctx.format.price(answer.feedIn.priceNowPerKWh, currency)}`) : ''),
        element('p', { class: 'hint' }, cheapest ? t('tariff.cheapest', { time: ctx.format.time(cheapest.startMs), price: ctx.format.price(cheapest.price, currency) })
          : known.length === 0 ? t('tariff.unknown') : t('tariff.flat')),
        list,
        statusNote ? element('p', { class: 'warning' }, statusNote) : '',
      );
    };

    const loadTariff = async () => {
      try {
        renderTariff(await ctx.api(`api/v1/tariff?hours=${TARIFF_HOURS}`));
      } catch {
        tariffBox.hidden = true;
      }
    };

    if (ctx.state()) render(ctx.state());
    const unsubscribe = ctx.onState(render);
    void loadSessions();
    void loadTariff();
    timers.push(setInterval(loadSessions, SESSION_REFRESH_MS), setInterval(loadTariff, TARIFF_REFRESH_MS));
    return () => {
      unsubscribe();
      for (const timer of timers) clearInterval(timer);
    };
  },
};
