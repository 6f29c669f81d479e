// Settings a person changes while Sunplug runs: site, tariff, chargers and devices (docs/api.md "Settings"). Every
// form sends its values to the server, which validates the whole configuration; an error comes back per field and is
// shown next to that field (aria-invalid + aria-describedby), and nothing is changed by a rejected save.
import { translator } from '../i18n.js';
import dictionary from '../i18n/settings.js';

const DAY_SELECTORS = ['all', 'weekdays', 'weekends', 'holidays', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const ROTATIONS = ['L1L2L3', 'L2L3L1', 'L3L1L2'];

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') node.className = value;
    else if (name === 'value') node.value = value;
    else node.setAttribute(name, value === true ? '' : value);
  }
  node.append(...children.filter((c) => c !== undefined && c !== null));
  return node;
}

function ensureStyle() {
  if (document.querySelector('link[data-page-style="settings"]')) return;
  document.head.append(element('link', { rel: 'stylesheet', href: 'pages/settings.css', 'data-page-style': 'settings' }));
}

/** Ids usable in the DOM for a server field path such as "chargers.garage.maxCurrentA". */
const domId = (field) => `set-${field.replace(/[^A-Za-z0-9_-]/g, '-')}`;

/**
 * A form whose inputs carry `data-field` (the server's field path). `showErrors` puts each message next to its
 * input; messages for fields the form does not show go to the form's own error line.
 */
class FieldForm {
  constructor(t, name) {
    this.t = t;
    this.form = element('form', { class: 'card settings-form', novalidate: true, 'aria-label': name });
    this.general = element('p', { class: 'field-error', role: 'alert', id: `${domId(name)}-error` });
    this.general.hidden = true;
    this.status = element('p', { class: 'hint', role: 'status' });
    this.fields = new Map();
  }

  /** A labelled input (or select) for `field`, with its error slot. */
  row(field, label, input, hint) {
    const id = domId(field);
    input.id = id;
    input.dataset.field = field;
    const error = element('p', { class: 'field-error', id: `${id}-error` });
    error.hidden = true;
    const hintNode = hint ? element('p', { class: 'hint', id: `${id}-hint` }, hint) : undefined;
    if (hintNode) input.setAttribute('aria-describedby', hintNode.id);
    this.fields.set(field, { input, error, hint: hintNode });
    return element('div', { class: 'form-row' }, element('label', { for: id }, label), input, hintNode, error);
  }

  clearErrors() {
    this.general.hidden = true;
    this.general.textContent = '';
    for (const { input, error, hint } of this.fields.values()) {
      input.removeAttribute('aria-invalid');
      error.hidden = true;
      error.textContent = '';
      if (hint) input.setAttribute('aria-describedby', hint.id);
      else input.removeAttribute('aria-describedby');
    }
  }

  showError(error) {
    const fields = error?.body?.error?.fields;
    const rest = [];
    let first;
    for (const [field, message] of Object.entries(fields ?? {})) {
      const slot = this.fields.get(field);
      if (!slot) {
        rest.push(`${field}: ${message}`);
        continue;
      }
      slot.input.setAttribute('aria-invalid', 'true');
      slot.error.textContent = message;
      slot.error.hidden = false;
      slot.input.setAttribute('aria-describedby', [slot.error.id, slot.hint?.id].filter(Boolean).join(' '));
      first ??= slot.input;
    }
    if (!fields) rest.push(error?.message ?? String(error));
    if (rest.length > 0) {
      this.general.textContent = this.t('saveFailed', { message: rest.join('; ') });
      this.general.hidden = false;
    }
    first?.focus();
  }

  /** Runs a save: clears errors, shows the server's, says "saved" on success. */
  async save(action) {
    this.clearErrors();
    this.status.textContent = this.t('saving');
    try {
      const result = await action();
      this.status.textContent = this.t('saved');
      return result;
    } catch (error) {
      this.status.textContent = '';
      this.showError(error);
      return undefined;
    }
  }
}

/** A number from an input; empty gives undefined, text that is no number is sent as is so the server names it. */
function numberOf(input) {
  const text = input.value.trim();
  if (text === '') return undefined;
  const value = Number(text.replace(',', '.'));
  return Number.isFinite(value) ? value : text;
}

function numberInput(value, step = 'any') {
  return element('input', { type: 'text', inputmode: 'decimal', value: value ?? '', step, autocomplete: 'off' });
}

function select(options, value) {
  const node = element('select');
  for (const [optionValue, label] of options) node.append(new Option(label, optionValue, false, String(optionValue) === String(value ?? '')));
  return node;
}

export default {
  id: 'settings',
  mount(root, ctx) {
    ensureStyle();
    const t = translator(dictionary, ctx.lang);
    let alive = true;
    const sections = {
      site: element('section', { 'aria-labelledby': 'settings-site-title', 'data-testid': 'settings-site' }),
      tariff: element('section', { 'aria-labelledby': 'settings-tariff-title', 'data-testid': 'settings-tariff' }),
      chargers: element('section', { 'aria-labelledby': 'settings-chargers-title', 'data-testid': 'settings-chargers' }),
      devices: element('section', { 'aria-labelledby': 'settings-devices-title', 'data-testid': 'settings-devices' }),
    };
    const loading = element('p', { class: 'hint', role: 'status' }, t('loading'));
    const notice = element('p', { class: 'hint notice', role: 'status', 'data-testid': 'settings-notice' });
    root.append(element('h2', {}, t('title')), loading, notice, ...Object.values(sections));

    const load = async (message = '') => {
      try {
        const [settings, chargers, devices] = await Promise.all([
          ctx.api('api/v1/settings'), ctx.api('api/v1/chargers').catch(() => undefined), ctx.api('api/v1/devices'),
        ]);
        if (!alive) return;
        loading.hidden = true;
        notice.textContent = message;
        renderSite(settings);
        renderTariff(settings);
        renderChargers(settings, chargers);
        renderDevices(settings, devices);
      } catch (error) {
        loading.textContent = t('loadFailed', { message: error.message });
      }
    };

    const setMark = (overridden) => (overridden ? element('span', { class: 'overridden' }, t('setHere')) : undefined);

    function renderSite(settings, status = '') {
      const { values, overridden } = settings.site;
      const f = new FieldForm(t, 'site');
      const inputs = {
        voltageV: numberInput(values.voltageV),
        phases: select([[1, '1'], [3, '3']], values.phases),
        mainFuseA: numberInput(values.mainFuseA),
        safetyMarginA: numberInput(values.safetyMarginA),
        safeCurrentA: numberInput(values.safeCurrentA),
      };
      const label = (key) => element('span', {}, t(`site.${key}`), ' ', setMark(overridden.includes(key)));
      f.form.append(
        f.row('site.voltageV', label('voltageV'), inputs.voltageV),
        f.row('site.phases', label('phases'), inputs.phases),
        f.row('site.mainFuseA', label('mainFuseA'), inputs.mainFuseA, t('hint.mainFuseA')),
        f.row('site.safetyMarginA', label('safetyMarginA'), inputs.safetyMarginA),
        f.row('site.safeCurrentA', label('safeCurrentA'), inputs.safeCurrentA, t('hint.safeCurrentA')),
        f.general,
        element('div', { class: 'toolbar' }, element('button', { type: 'submit', class: 'button primary' }, t('save')),
          overridden.length > 0 ? element('button', { type: 'button', class: 'button', 'data-action': 'reset' }, t('resetToFile')) : undefined),
        f.status,
        element('p', { class: 'hint' }, t('appliesNow')),
      );
      f.form.addEventListener('submit', async (event) => {
        event.preventDefault();
        const body = {};
        for (const [key, input] of Object.entries(inputs)) {
          const value = numberOf(input);
          if (value !== undefined && String(value) !== String(values[key])) body[key] = value;
        }
        if (Object.keys(body).length === 0) {
          f.status.textContent = t('nothingChanged');
          return;
        }
        const updated = await f.save(() => ctx.api('api/v1/settings/site', { method: 'PATCH', body }));
        if (updated) renderSite(updated, t('saved'));
      });
      f.form.querySelector('[data-action="reset"]')?.addEventListener('click', async () => {
        const body = Object.fromEntries(overridden.map((key) => [key, null]));
        const updated = await f.save(() => ctx.api('api/v1/settings/site', { method: 'PATCH', body }));
        if (updated) renderSite(updated, t('saved'));
      });
      sections.site.replaceChildren(element('h3', { id: 'settings-site-title' }, t('section.site')), f.form);
      f.status.textContent = status;
    }

    function renderTariff(settings, status = '') {
      const current = settings.tariff.values;
      const f = new FieldForm(t, 'tariff');
      const kind = select([['none', t('tariff.none')], ['fixed', t('tariff.fixed')], ['time-of-use', t('tariff.timeOfUse')], ['dynamic', t('tariff.dynamic')]], current?.kind ?? 'none');
      const currency = element('input', { type: 'text', value: current?.currency ?? 'EUR', maxlength: '3', autocomplete: 'off' });
      const fixedPrice = numberInput(current?.kind === 'fixed' ? current.pricePerKWh : '');
      const basePrice = numberInput(current?.kind === 'time-of-use' ? current.basePricePerKWh : '');
      const windows = current?.kind === 'time-of-use' ? current.windows.map((w) => ({ ...w })) : [];
      const windowRows = element('div', { class: 'windows' });
      const source = current?.kind === 'dynamic' ? current.source : { type: 'provider', provider: 'energy-charts', biddingZone: 'DE-LU' };
      const sourceType = select([['provider', t('tariff.provider')], ['file', t('tariff.file')]], source.type);
      const provider = select([['energy-charts', 'Energy-Charts'], ['awattar', 'aWATTar']], source.provider ?? 'energy-charts');
      const biddingZone = element('input', { type: 'text', value: source.biddingZone ?? 'DE-LU', autocomplete: 'off' });
      const filePath = element('input', { type: 'text', value: source.path ?? '', autocomplete: 'off' });
      const fileFormat = select(['sunplug-csv', 'sunplug-json', 'smard-csv', 'awattar-json', 'energy-charts-json'].map((v) => [v, v]), source.format ?? 'sunplug-csv');
      const fees = numberInput(current?.kind === 'dynamic' ? current.surcharges?.feesPerKWh ?? 0 : 0);
      const vat = numberInput(current?.kind === 'dynamic' ? current.surcharges?.vatPct ?? 0 : 0);

      const parts = {
        common: element('div', {}, f.row('tariff.currency', t('tariff.currency'), currency, t('hint.currency'))),
        fixed: element('div', {}, f.row('tariff.pricePerKWh', t('tariff.price'), fixedPrice)),
        'time-of-use': element('div', {}, f.row('tariff.basePricePerKWh', t('tariff.basePrice'), basePrice, t('hint.basePrice')),
          element('h4', {}, t('tariff.windows')), windowRows,
          element('button', { type: 'button', class: 'button', 'data-action': 'add-window' }, t('tariff.addWindow'))),
        dynamic: element('div', {},
          f.row('tariff.source.type', t('tariff.sourceType'), sourceType),
          element('div', { class: 'provider-fields' }, f.row('tariff.source.provider', t('tariff.provider'), provider), f.row('tariff.source.biddingZone', t('tariff.biddingZone'), biddingZone)),
          element('div', { class: 'file-fields' }, f.row('tariff.source.path', t('tariff.filePath'), filePath), f.row('tariff.source.format', t('tariff.fileFormat'), fileFormat)),
          f.row('tariff.surcharges.feesPerKWh', t('tariff.fees'), fees), f.row('tariff.surcharges.vatPct', t('tariff.vat'), vat)),
      };
      const windowInputs = [];
      const drawWindows = () => {
        windowRows.replaceChildren();
        windowInputs.length = 0;
        for (const [field] of f.fields) if (field.startsWith('tariff.windows.')) f.fields.delete(field);
        windows.forEach((w, index) => {
          const base = `tariff.windows.${index}`;
          const inputs = {
            name: element('input', { type: 'text', value: w.name ?? '', maxlength: '64', autocomplete: 'off' }),
            pricePerKWh: numberInput(w.pricePerKWh),
            days: select(DAY_SELECTORS.map((d) => [d, t(`day.${d}`)]), (w.days ?? ['all'])[0]),
            from: element('input', { type: 'time', value: w.from ?? '' }),
            to: element('input', { type: 'time', value: w.to === '24:00' ? '23:59' : (w.to ?? '') }),
          };
          windowInputs.push(inputs);
          const remove = element('button', { type: 'button', class: 'button', 'aria-label': t('tariff.removeWindow', { n: index + 1 }) }, '✕');
          remove.addEventListener('click', () => {
            windows.splice(index, 1);
            drawWindows();
          });
          windowRows.append(element('fieldset', { class: 'window' }, element('legend', {}, t('tariff.window', { n: index + 1 })),
            f.row(`${base}.name`, t('tariff.windowName'), inputs.name), f.row(`${base}.pricePerKWh`, t('tariff.price'), inputs.pricePerKWh),
            f.row(`${base}.days`, t('tariff.days'), inputs.days), f.row(`${base}.from`, t('tariff.from'), inputs.from),
            f.row(`${base}.to`, t('tariff.to'), inputs.to), remove));
        });
      };
      drawWindows();
      parts['time-of-use'].querySelector('[data-action="add-window"]').addEventListener('click', () => {
        collectWindows();
        windows.push({ pricePerKWh: 0.2, days: ['all'], from: '22:00', to: '06:00' });
        drawWindows();
        windowInputs.at(-1)?.name.focus();
      });
      function collectWindows() {
        windowInputs.forEach((inputs, index) => {
          const previous = windows[index];
          const days = previous.days && previous.days.length > 1 && previous.days[0] === inputs.days.value ? previous.days : [inputs.days.value];
          windows[index] = {
            ...previous, pricePerKWh: numberOf(inputs.pricePerKWh), days, from: inputs.from.value,
            to: inputs.to.value === '23:59' && previous.to === '24:00' ? '24:00' : inputs.to.value,
          };
          if (inputs.name.value.trim() !== '') windows[index].name = inputs.name.value.trim();
          else delete windows[index].name;
        });
      }
      const showKind = () => {
        parts.common.hidden = kind.value === 'none';
        parts.fixed.hidden = kind.value !== 'fixed';
        parts['time-of-use'].hidden = kind.value !== 'time-of-use';
        parts.dynamic.hidden = kind.value !== 'dynamic';
        parts.dynamic.querySelector('.provider-fields').hidden = sourceType.value !== 'provider';
        parts.dynamic.querySelector('.file-fields').hidden = sourceType.value !== 'file';
      };
      kind.addEventListener('change', showKind);
      sourceType.addEventListener('change', showKind);
      showKind();

      const buildTariff = () => {
        if (kind.value === 'none') return null;
        const base = { kind: kind.value, currency: currency.value.trim().toUpperCase(), ...(current?.feedIn ? { feedIn: current.feedIn } : {}) };
        if (kind.value === 'fixed') return { ...base, pricePerKWh: numberOf(fixedPrice) };
        if (kind.value === 'time-of-use') {
          collectWindows();
          return { ...base, basePricePerKWh: numberOf(basePrice), windows, ...(current?.holidays?.length ? { holidays: current.holidays } : {}) };
        }
        const keep = current?.kind === 'dynamic' && current.source.type === sourceType.value ? current.source : {};
        const chosen = sourceType.value === 'provider'
          ? { ...keep, type: 'provider', provider: provider.value, biddingZone: biddingZone.value.trim() }
          : { ...keep, type: 'file', path: filePath.value.trim(), format: fileFormat.value };
        return { ...base, source: chosen, surcharges: { feesPerKWh: numberOf(fees) ?? 0, vatPct: numberOf(vat) ?? 0 } };
      };
      f.form.append(f.row('tariff.kind', t('tariff.kind'), kind), parts.common, parts.fixed, parts['time-of-use'], parts.dynamic, f.general,
        element('div', { class: 'toolbar' }, element('button', { type: 'submit', class: 'button primary' }, t('save')),
          settings.tariff.overridden ? element('button', { type: 'button', class: 'button', 'data-action': 'reset' }, t('resetToFile')) : undefined),
        f.status, element('p', { class: 'hint' }, t('tariffApplies')));
      f.form.addEventListener('submit', async (event) => {
        event.preventDefault();
        const body = buildTariff();
        const updated = await f.save(() => ctx.api('api/v1/settings/tariff', { method: 'PUT', body: body ?? { kind: 'none' } }));
        if (updated) renderTariff(updated, t('saved'));
      });
      f.form.querySelector('[data-action="reset"]')?.addEventListener('click', async () => {
        const updated = await f.save(() => ctx.api('api/v1/settings/tariff', { method: 'DELETE' }));
        if (updated) renderTariff(updated, t('saved'));
      });
      sections.tariff.replaceChildren(element('h3', { id: 'settings-tariff-title' }, t('section.tariff'), ' ', setMark(settings.tariff.overridden)), f.form);
      f.status.textContent = status;
    }

    function renderChargers(settings, listing) {
      const cards = settings.chargers.map((charger) => chargerForm(settings, charger, listing?.chargers.find((c) => c.id === charger.id)));
      const pending = (listing?.chargers ?? []).filter((c) => c.admission === 'pending');
      const pendingCards = pending.map((c) => {
        const result = element('p', { class: 'hint', role: 'status' });
        const approve = element('button', { type: 'button', class: 'button primary' }, t('charger.approve'));
        approve.addEventListener('click', async () => {
          try {
            const answer = await ctx.api(`api/v1/chargers/${encodeURIComponent(c.id)}/approve`, { method: 'POST', body: {} });
            result.replaceChildren(passwordNote(answer));
            approve.disabled = true;
          } catch (error) {
            result.textContent = t('saveFailed', { message: error.message });
          }
        });
        return element('div', { class: 'card pending', 'data-charger-id': c.id }, element('h4', {}, c.id, ' ', element('span', { class: 'overridden' }, t('charger.pending'))),
          element('p', { class: 'hint' }, [c.vendor, c.model, c.remoteAddress].filter(Boolean).join(' · ')), approve, result);
      });
      sections.chargers.replaceChildren(element('h3', { id: 'settings-chargers-title' }, t('section.chargers')),
        ...(settings.chargers.length === 0 && pending.length === 0 ? [element('p', { class: 'hint' }, t('charger.none'))] : []), ...pendingCards, ...cards);
    }

    function passwordNote(answer) {
      if (!answer.password) return document.createTextNode(t('charger.approved'));
      return element('span', {}, t('charger.passwordOnce'), ' ', element('code', { 'data-testid': 'new-password' }, answer.password), ' ', t('charger.username', { id: answer.username }));
    }

    function chargerForm(settings, charger, listed) {
      const { values, overridden } = charger;
      const f = new FieldForm(t, `charger ${charger.id}`);
      f.form.dataset.chargerId = charger.id;
      const base = `chargers.${charger.id}`;
      const inputs = {
        name: element('input', { type: 'text', value: values.name ?? '', maxlength: '64', autocomplete: 'off' }),
        maxCurrentA: numberInput(values.maxCurrentA),
        minCurrentA: numberInput(values.minCurrentA),
        phases: select([[1, '1'], [3, '3']], values.phases),
        priority: numberInput(values.priority),
        phaseRotation: select(ROTATIONS.map((r) => [r, r]), values.phaseRotation),
        circuit: select([['', t('charger.noCircuit')], ...settings.circuits.map((c) => [c.id, `${c.id} (${c.maxCurrentA} A)`])], values.circuit ?? ''),
      };
      const label = (key) => element('span', {}, t(`charger.${key}`), ' ', setMark(overridden.includes(key)));
      const result = element('p', { class: 'hint', role: 'status' });
      // Chargers approved here can get a new password; configured ones without a password get their first one.
      const reset = listed && (!listed.configured || !listed.passwordSet)
        ? element('button', { type: 'button', class: 'button', 'data-action': 'password' }, listed.passwordSet ? t('charger.resetPassword') : t('charger.setPassword'))
        : undefined;
      f.form.append(element('h4', {}, values.name ?? charger.id, ' ', element('span', { class: 'hint' }, charger.id)),
        f.row(`${base}.name`, label('name'), inputs.name),
        element('div', { class: 'row-group' },
          f.row(`${base}.maxCurrentA`, label('maxCurrentA'), inputs.maxCurrentA),
          f.row(`${base}.minCurrentA`, label('minCurrentA'), inputs.minCurrentA),
          f.row(`${base}.phases`, label('phases'), inputs.phases),
          f.row(`${base}.priority`, label('priority'), inputs.priority, t('hint.priority'))),
        element('div', { class: 'row-group' },
          f.row(`${base}.phaseRotation`, label('phaseRotation'), inputs.phaseRotation, t('hint.phaseRotation')),
          f.row(`${base}.circuit`, label('circuit'), inputs.circuit)),
        f.general,
        element('div', { class: 'toolbar' }, element('button', { type: 'submit', class: 'button primary' }, t('save')),
          overridden.length > 0 ? element('button', { type: 'button', class: 'button', 'data-action': 'reset' }, t('resetToFile')) : undefined, reset),
        f.status, result);
      f.form.addEventListener('submit', async (event) => {
        event.preventDefault();
        const body = {};
        const name = inputs.name.value.trim();
        if (name !== (values.name ?? '')) body.name = name === '' ? null : name;
        for (const key of ['maxCurrentA', 'minCurrentA', 'priority']) {
          const value = numberOf(inputs[key]);
          if (value !== undefined && String(value) !== String(values[key])) body[key] = value;
        }
        if (Number(inputs.phases.value) !== values.phases) body.phases = Number(inputs.phases.value);
        if (inputs.phaseRotation.value !== values.phaseRotation) body.phaseRotation = inputs.phaseRotation.value;
        if (inputs.circuit.value !== (values.circuit ?? '')) body.circuit = inputs.circuit.value;
        if (Object.keys(body).length === 0) {
          f.status.textContent = t('nothingChanged');
          return;
        }
        const updated = await f.save(() => ctx.api(`api/v1/settings/chargers/${encodeURIComponent(charger.id)}`, { method: 'PATCH', body }));
        if (updated) load(t('savedCharger', { name: updated.chargers.find((c) => c.id === charger.id)?.values.name ?? charger.id }));
      });
      f.form.querySelector('[data-action="reset"]')?.addEventListener('click', async () => {
        const body = Object.fromEntries(overridden.map((key) => [key, null]));
        const updated = await f.save(() => ctx.api(`api/v1/settings/chargers/${encodeURIComponent(charger.id)}`, { method: 'PATCH', body }));
        if (updated) load(t('saved'));
      });
      f.form.querySelector('[data-action="password"]')?.addEventListener('click', async () => {
        if (listed.passwordSet && !window.confirm(t('charger.confirmReset', { id: charger.id }))) return;
        try {
          const answer = await ctx.api(`api/v1/chargers/${encodeURIComponent(charger.id)}/approve`, { method: 'POST', body: listed.passwordSet ? { resetPassword: true } : {} });
          result.replaceChildren(passwordNote(answer));
        } catch (error) {
          result.textContent = t('saveFailed', { message: error.message });
        }
      });
      return f.form;
    }

    function renderDevices(settings, devices) {
      const table = element('table', { class: 'table', 'data-testid': 'devices-table' },
        element('thead', {}, element('tr', {}, ...['device.id', 'device.role', 'device.kind', 'device.address', 'device.health', 'device.actions'].map((k) => element('th', { scope: 'col' }, t(k))))));
      const body = element('tbody');
      for (const device of devices) {
        const h = device.health;
        const health = !h ? '–' : h.stale ? t('device.stale', { errors: h.errorCount }) : t('device.ok', { latency: h.latencyMs ?? '–' });
        const remove = element('button', { type: 'button', class: 'button', 'aria-label': t('device.remove', { id: device.id }) }, t('device.removeShort'));
        const error = element('span', { class: 'field-error', role: 'alert' });
        remove.addEventListener('click', async () => {
          if (!window.confirm(t('device.confirmRemove', { id: device.id }))) return;
          try {
            await ctx.api(`api/v1/settings/meters/${encodeURIComponent(device.id)}`, { method: 'DELETE' });
            load(t('meterRemoved', { id: device.id }));
          } catch (failure) {
            error.textContent = Object.values(failure.body?.error?.fields ?? {}).join('; ') || failure.message;
          }
        });
        const m = device.modbus ?? {};
        const where = m.host !== undefined ? `${m.host}${m.port ? `:${m.port}` : ''}` : m.serial?.path ?? m.rtuOverTcp?.host ?? '';
        body.append(element('tr', { 'data-meter-id': device.id }, element('td', {}, device.id, device.source === 'settings' ? element('span', { class: 'overridden' }, t('setHere')) : undefined),
          element('td', {}, t(`role.${device.role}`)), element('td', {}, device.device), element('td', {}, `${where}${m.unit !== undefined ? ` #${m.unit}` : ''}`),
          element('td', { class: h?.stale ? 'warning' : '' }, health), element('td', {}, remove, error)));
      }
      table.append(body);

      // Scan: `sunplug scan` on the server; each device found can be added as a meter for each role it serves.
      const f = new FieldForm(t, 'scan');
      const host = element('input', { type: 'text', autocomplete: 'off', placeholder: '192.168.1.50' });
      const ports = element('input', { type: 'text', autocomplete: 'off', placeholder: '502, 1502' });
      const units = element('input', { type: 'text', autocomplete: 'off', placeholder: '1, 2, 126, 240' });
      const found = element('div', { class: 'scan-results' });
      f.form.append(element('h4', {}, t('scan.title')), element('div', { class: 'row-group' }, f.row('host', t('scan.host'), host), f.row('ports', t('scan.ports'), ports), f.row('units', t('scan.units'), units, t('hint.units'))),
        f.general, element('div', { class: 'toolbar' }, element('button', { type: 'submit', class: 'button primary' }, t('scan.start'))), f.status, found);
      const list = (text) => text.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
      f.form.addEventListener('submit', async (event) => {
        event.preventDefault();
        const request = { host: host.value.trim(), ...(ports.value.trim() ? { ports: list(ports.value) } : {}), ...(units.value.trim() ? { units: list(units.value) } : {}) };
        found.replaceChildren();
        f.clearErrors();
        f.status.textContent = t('scan.running');
        try {
          const result = await ctx.api('api/v1/devices/scan', { method: 'POST', body: request });
          f.status.textContent = result.length === 0 ? t('scan.nothing') : t('scan.found', { n: result.length });
          for (const device of result) found.append(scanResult(device, settings));
        } catch (error) {
          f.status.textContent = '';
          f.showError(error);
        }
      });
      sections.devices.replaceChildren(element('h3', { id: 'settings-devices-title' }, t('section.devices')),
        element('div', { class: 'table-wrap' }, table), f.form, element('p', { class: 'hint' }, t('meterApplies')));
    }

    function scanResult(device, settings) {
      const f = new FieldForm(t, `add ${device.host}:${device.port}#${device.unit}`);
      const taken = new Set(settings.meters.map((m) => m.id));
      const role = select(device.roles.map((r) => [r, t(`role.${r}`)]), device.role);
      const suggest = () => {
        let id = role.value;
        for (let n = 2; taken.has(id); n++) id = `${role.value}-${n}`;
        return id;
      };
      const id = element('input', { type: 'text', value: suggest(), autocomplete: 'off' });
      role.addEventListener('change', () => { id.value = suggest(); });
      const name = [device.manufacturer, device.model].filter(Boolean).join(' ') || t('scan.unnamed');
      const power = device.powerW === null ? '' : ` · ${ctx.format.power(device.powerW)}`;
      f.form.classList.add('scan-result');
      f.form.append(element('p', {}, element('strong', {}, name), ` · ${device.device} · ${device.host}:${device.port} #${device.unit}${power}`),
        element('div', { class: 'row-group' }, f.row('meter.id', t('device.id'), id), f.row('meter.role', t('device.role'), role)), f.general,
        element('div', { class: 'toolbar' }, element('button', { type: 'submit', class: 'button primary' }, t('scan.add'))), f.status);
      f.form.addEventListener('submit', async (event) => {
        event.preventDefault();
        const body = { id: id.value.trim(), role: role.value, device: device.device, modbus: { host: device.host, port: device.port, unit: device.unit } };
        const updated = await f.save(() => ctx.api('api/v1/settings/meters', { method: 'POST', body }));
        if (updated) load(t('meterAdded', { id: body.id }));
      });
      return f.form;
    }

    load();
    return () => { alive = false; };
  },
};
