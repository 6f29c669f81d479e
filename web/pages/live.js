// The homeowner's overview: power flow and one card per charger with its mode selector.
import { translator } from '../i18n.js';
import dictionary from '../i18n/live.js';

const MODES = ['off', 'solar', 'minsolar', 'fast'];

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === 'class') node.className = value;
    else node.setAttribute(name, value);
  }
  node.append(...children);
  return node;
}

export default {
  id: 'live',
  mount(root, ctx) {
    const t = translator(dictionary, ctx.lang);
    const tile = (kind, labelKey, testId) => {
      const value = element('span', { class: 'value', 'data-testid': testId }, '–');
      const label = element('span', { class: 'label' }, t(labelKey));
      return { node: element('div', { class: `tile ${kind}` }, label, value), label, value };
    };
    const pv = tile('pv', 'solar', 'pv-power');
    const home = tile('home', 'home', 'home-power');
    const cars = tile('car', 'cars', 'car-power');
    const grid = tile('grid', 'grid', 'grid-power');
    const battery = tile('battery', 'battery', 'battery-power');
    const stale = element('p', { class: 'warning', role: 'alert' }, t('gridStale'));
    const chargers = element('div', { class: 'chargers' });
    const noChargers = element('p', {}, t('noChargers'));
    // Nothing is known before the first state arrives: show neither a warning nor an empty battery.
    stale.hidden = true;
    battery.node.hidden = true;
    noChargers.hidden = true;
    root.append(
      element('h2', { id: 'flow-title' }, t('powerNow')),
      element('div', { class: 'flow' }, pv.node, home.node, cars.node, grid.node, battery.node),
      stale,
      element('h2', { id: 'chargers-title' }, t('chargers')),
      chargers,
      noChargers,
    );

    const renderCharger = (charger) => {
      let card = chargers.querySelector(`[data-charger-id="${CSS.escape(charger.id)}"]`);
      if (!card) {
        card = element('article', { class: 'card', 'data-charger-id': charger.id });
        const row = (key, cls) => element('div', {}, element('dt', {}, t(key)), element('dd', { class: cls }));
        const modes = element('fieldset', { class: 'modes' }, element('legend', {}, t('mode')));
        for (const mode of MODES) {
          const input = element('input', { type: 'radio', name: `mode-${charger.id}`, value: mode });
          input.addEventListener('change', () => setMode(charger.id, mode, card));
          modes.append(element('label', {}, input, ` ${t(`mode.${mode}`)}`));
        }
        card.append(
          element('header', {}, element('h3', { class: 'name' }), element('span', { class: 'status' })),
          element('dl', {}, row('power', 'power'), row('current', 'current'), row('limit', 'limit'), row('session', 'energy')),
          element('p', { class: 'reason' }),
          modes,
        );
        chargers.append(card);
      }
      card.querySelector('.name').textContent = charger.name;
      const status = card.querySelector('.status');
      status.textContent = t(`status.${charger.status}`);
      status.dataset.status = charger.status;
      card.querySelector('.power').textContent = ctx.format.power(charger.powerW);
      card.querySelector('.current').textContent = charger.currentA === null ? '–' : `${charger.currentA.toFixed(1)} A × ${charger.phases}`;
      card.querySelector('.limit').textContent = ctx.format.current(charger.limitA);
      card.querySelector('.energy').textContent = ctx.format.energy(charger.sessionEnergyWh);
      const reason = card.querySelector('.reason');
      reason.textContent = charger.reasonText ?? '';
      reason.title = charger.detail ?? '';
      reason.dataset.reason = charger.reason ?? '';
      if (!card.dataset.pending) {
        for (const input of card.querySelectorAll('input[type=radio]')) input.checked = input.value === charger.mode;
      }
    };

    const setMode = async (chargerId, mode, card) => {
      card.dataset.pending = 'true';
      try {
        await ctx.api(`api/v1/chargers/${encodeURIComponent(chargerId)}/mode`, { method: 'PUT', body: { mode } });
      } catch (error) {
        alert(error.message);
      } finally {
        delete card.dataset.pending;
      }
    };

    const render = (state) => {
      pv.value.textContent = ctx.format.power(state.site.pvPowerW);
      home.value.textContent = ctx.format.power(state.site.homePowerW);
      cars.value.textContent = ctx.format.power(state.chargers.reduce((sum, c) => sum + c.powerW, 0));
      const gridW = state.site.gridPowerW;
      grid.label.textContent = gridW === null ? t('grid') : gridW < 0 ? t('gridExport') : t('gridImport');
      grid.value.textContent = gridW === null ? '–' : ctx.format.power(Math.abs(gridW));
      stale.hidden = !state.site.gridStale;
      battery.node.hidden = state.site.batteryPowerW === null;
      battery.value.textContent = ctx.format.power(state.site.batteryPowerW);
      noChargers.hidden = state.chargers.length > 0;
      for (const charger of state.chargers) renderCharger(charger);
      for (const card of [...chargers.children]) {
        if (!state.chargers.some((c) => c.id === card.dataset.chargerId)) card.remove();
      }
    };
    if (ctx.state()) render(ctx.state());
    return ctx.onState(render);
  },
};
