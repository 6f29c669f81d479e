// Installer tools (docs/api.md "Installer tools"): device health, a live Modbus register view, the OCPP message log
// per charger with a filter, the decision log, configuration backup and restore, and the diagnostics bundle.
import { translator } from '../i18n.js';
import dictionary from '../i18n/installer.js';

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
  if (document.querySelector('link[data-page-style="installer"]')) return;
  document.head.append(element('link', { rel: 'stylesheet', href: 'pages/installer.css', 'data-page-style': 'installer' }));
}

function table(headers, rows, attributes = {}) {
  return element('div', { class: 'table-wrap' }, element('table', { class: 'table', ...attributes },
    element('thead', {}, element('tr', {}, ...headers.map((h) => element('th', { scope: 'col' }, h)))),
    element('tbody', {}, ...rows.map((cells) => element('tr', {}, ...cells.map((c) => (c instanceof Node ? element('td', {}, c) : element('td', {}, c ?? '–'))))))));
}

function row(id, label, input) {
  input.id = id;
  return element('div', { class: 'form-row' }, element('label', { for: id }, label), input);
}

export default {
  id: 'installer',
  mount(root, ctx) {
    ensureStyle();
    const t = translator(dictionary, ctx.lang);
    let alive = true;
    const section = (id, title, ...children) => element('section', { 'aria-labelledby': `installer-${id}-title`, 'data-testid': `installer-${id}`, class: 'card installer' },
      element('h3', { id: `installer-${id}-title` }, title), ...children);

    // Device health
    const healthBody = element('div', {});
    const refreshHealth = element('button', { type: 'button', class: 'button' }, t('refresh'));
    const loadHealth = async () => {
      try {
        const health = await ctx.api('api/v1/devices/health');
        if (!alive) return;
        healthBody.replaceChildren(health.length === 0 ? element('p', { class: 'hint' }, t('health.none')) : table(
          [t('health.meter'), t('health.role'), t('health.lastSuccess'), t('health.latency'), t('health.reads'), t('health.errors'), t('health.lastError'), t('health.state')],
          health.map((h) => [h.id, h.role, h.lastSuccessAtMs ? ctx.format.dateTime(h.lastSuccessAtMs) : '–', h.latencyMs !== undefined ? `${h.latencyMs} ms` : '–',
            String(h.readCount), String(h.errorCount), h.lastError ?? '–', element('span', { class: h.stale ? 'warning' : '' }, h.stale ? t('health.stale') : t('health.ok'))]),
          { 'data-testid': 'health-table' }));
      } catch (error) {
        healthBody.replaceChildren(element('p', { class: 'field-error', role: 'alert' }, error.message));
      }
    };
    refreshHealth.addEventListener('click', loadHealth);

    // Register view
    const meter = element('select', {});
    const address = element('input', { type: 'number', min: '0', max: '65535', value: '40000', inputmode: 'numeric' });
    const count = element('input', { type: 'number', min: '1', max: '125', value: '10', inputmode: 'numeric' });
    const fn = element('select', {}, new Option(t('registers.holding'), '3'), new Option(t('registers.input'), '4'));
    const registerError = element('p', { class: 'field-error', role: 'alert', id: 'registers-error' });
    const registerResult = element('div', { 'aria-live': 'polite' });
    const registerForm = element('form', { class: 'toolbar', 'aria-label': t('registers.title') },
      row('registers-meter', t('registers.meter'), meter), row('registers-address', t('registers.address'), address),
      row('registers-count', t('registers.count'), count), row('registers-function', t('registers.function'), fn),
      element('div', { class: 'form-row' }, element('button', { type: 'submit', class: 'button primary' }, t('registers.read'))));
    registerForm.addEventListener('submit', async (event) => {
      event.preventDefault();
      registerError.textContent = '';
      for (const input of [address, count]) input.removeAttribute('aria-invalid');
      try {
        const params = new URLSearchParams({ address: address.value, count: count.value, function: fn.value });
        const read = await ctx.api(`api/v1/devices/${encodeURIComponent(meter.value)}/registers?${params}`);
        registerResult.replaceChildren(element('p', { class: 'hint' }, t('registers.readAt', { unit: read.unit, ms: read.latencyMs })), table(
          [t('registers.addr'), 'hex', 'uint16', 'int16', 'uint32', 'int32', 'float32'],
          read.registers.map((r) => [String(r.address), r.hex, String(r.uint16), String(r.int16), r.uint32 ?? '–', r.int32 ?? '–', r.float32 ?? '–'].map(String)),
          { 'data-testid': 'registers-table', class: 'table registers' }));
      } catch (error) {
        registerResult.replaceChildren();
        registerError.textContent = error.status === 429 ? t('registers.slowDown') : error.message;
        if (error.status === 400) for (const input of [address, count]) {
          input.setAttribute('aria-invalid', 'true');
          input.setAttribute('aria-describedby', registerError.id);
        }
      }
    });

    // OCPP log
    const charger = element('select', {});
    const action = element('input', { type: 'text', autocomplete: 'off', placeholder: 'SetChargingProfile' });
    const direction = element('select', {}, new Option(t('ocpp.both'), ''), new Option(t('ocpp.in'), 'in'), new Option(t('ocpp.out'), 'out'));
    const text = element('input', { type: 'search', autocomplete: 'off' });
    const ocppResult = element('div', {});
    const ocppForm = element('form', { class: 'toolbar', role: 'search', 'aria-label': t('ocpp.title') },
      row('ocpp-charger', t('ocpp.charger'), charger), row('ocpp-action', t('ocpp.action'), action), row('ocpp-direction', t('ocpp.direction'), direction),
      row('ocpp-text', t('ocpp.text'), text), element('div', { class: 'form-row' }, element('button', { type: 'submit', class: 'button primary' }, t('ocpp.show'))));
    const loadOcpp = async () => {
      if (!charger.value) {
        ocppResult.replaceChildren(element('p', { class: 'hint' }, t('ocpp.noChargers')));
        return;
      }
      const params = new URLSearchParams({ limit: '200' });
      if (action.value.trim()) params.set('action', action.value.trim());
      if (direction.value) params.set('direction', direction.value);
      if (text.value.trim()) params.set('text', text.value.trim());
      try {
        const entries = await ctx.api(`api/v1/chargers/${encodeURIComponent(charger.value)}/ocpp-log?${params}`);
        ocppResult.replaceChildren(entries.length === 0 ? element('p', { class: 'hint' }, t('ocpp.none')) : table(
          [t('time'), t('ocpp.direction'), t('ocpp.action'), t('ocpp.kind'), t('ocpp.payload')],
          entries.map((e) => [ctx.format.dateTime(e.atMs), e.direction === 'in' ? '←' : '→', e.action ?? '–', e.kind,
            element('details', {}, element('summary', {}, `${e.bytes} B`), element('pre', {}, JSON.stringify(e.payload ?? { errorCode: e.errorCode, errorDescription: e.errorDescription }, null, 1)))]),
          { 'data-testid': 'ocpp-table' }));
      } catch (error) {
        ocppResult.replaceChildren(element('p', { class: 'field-error', role: 'alert' }, error.message));
      }
    };
    ocppForm.addEventListener('submit', (event) => {
      event.preventDefault();
      loadOcpp();
    });

    // Decision log
    const decisionsBody = element('div', {});
    const refreshDecisions = element('button', { type: 'button', class: 'button' }, t('refresh'));
    const loadDecisions = async () => {
      try {
        const entries = await ctx.api('api/v1/decisions?limit=100');
        decisionsBody.replaceChildren(entries.length === 0 ? element('p', { class: 'hint' }, t('decisions.none')) : table(
          [t('time'), t('decisions.charger'), t('decisions.current'), t('decisions.reason'), t('decisions.trigger'), t('decisions.outcome'), t('decisions.detail')],
          entries.map((d) => [ctx.format.dateTime(d.atMs), d.chargerId, ctx.format.current(d.currentA), d.reason, d.trigger, d.outcome, d.detail]),
          { 'data-testid': 'decisions-table' }));
      } catch (error) {
        decisionsBody.replaceChildren(element('p', { class: 'field-error', role: 'alert' }, error.message));
      }
    };
    refreshDecisions.addEventListener('click', loadDecisions);

    // Backup and restore
    const file = element('input', { type: 'file', accept: 'application/json,.json' });
    const restoreResult = element('div', { role: 'status' });
    const restoreForm = element('form', { class: 'toolbar', 'aria-label': t('backup.restore') },
      row('restore-file', t('backup.file'), file),
      element('div', { class: 'form-row' }, element('button', { type: 'submit', class: 'button' }, t('backup.restore'))));
    restoreForm.addEventListener('submit', async (event) => {
      event.preventDefault();
      restoreResult.replaceChildren();
      const chosen = file.files?.[0];
      if (!chosen) {
        restoreResult.append(element('p', { class: 'field-error' }, t('backup.chooseFile')));
        return;
      }
      let backup;
      try {
        backup = JSON.parse(await chosen.text());
      } catch {
        restoreResult.append(element('p', { class: 'field-error' }, t('backup.notJson')));
        return;
      }
      if (!window.confirm(t('backup.confirm'))) return;
      try {
        const answer = await ctx.api('api/v1/restore', { method: 'POST', body: backup });
        restoreResult.append(element('p', {}, answer.settings.changed.length === 0 && !answer.config.changed ? t('backup.nothing') : t('backup.done', { parts: answer.settings.changed.join(', ') || '–' })),
          answer.restartNeeded ? element('p', { class: 'warning' }, t('backup.restart')) : undefined, ...answer.notes.map((n) => element('p', { class: 'hint' }, n)));
      } catch (error) {
        const fields = error.body?.error?.fields;
        restoreResult.append(element('p', { class: 'field-error', role: 'alert' }, t('backup.rejected')),
          fields ? element('ul', {}, ...Object.entries(fields).map(([f, m]) => element('li', {}, element('code', {}, f), `: ${m}`))) : element('p', {}, error.message));
      }
    });

    root.append(element('h2', {}, t('title')),
      section('health', t('health.title'), element('div', { class: 'toolbar' }, refreshHealth), healthBody),
      section('registers', t('registers.title'), element('p', { class: 'hint' }, t('registers.hint')), registerForm, registerError, registerResult),
      section('ocpp', t('ocpp.title'), ocppForm, ocppResult),
      section('decisions', t('decisions.title'), element('div', { class: 'toolbar' }, refreshDecisions), decisionsBody),
      section('backup', t('backup.title'), element('p', { class: 'hint' }, t('backup.hint')),
        element('div', { class: 'toolbar' }, element('a', { class: 'button', href: 'api/v1/backup', download: '', 'data-testid': 'backup-link' }, t('backup.download'))), restoreForm, restoreResult),
      section('diagnostics', t('diagnostics.title'), element('p', { class: 'hint' }, t('diagnostics.hint')),
        element('div', { class: 'toolbar' }, element('a', { class: 'button', href: 'api/v1/diagnostics', download: '', 'data-testid': 'diagnostics-link' }, t('diagnostics.download')))));

    Promise.all([ctx.api('api/v1/devices'), ctx.api('api/v1/chargers').catch(() => undefined)]).then(([devices, chargers]) => {
      if (!alive) return;
      for (const d of devices) meter.append(new Option(`${d.id} (${d.role})`, d.id));
      const ids = chargers?.chargers.map((c) => [c.id, c.name ?? c.id]) ?? (ctx.state()?.chargers ?? []).map((c) => [c.id, c.name]);
      for (const [id, name] of ids) charger.append(new Option(name === id ? id : `${name} (${id})`, id));
      loadOcpp();
    }, (error) => { healthBody.replaceChildren(element('p', { class: 'field-error', role: 'alert' }, error.message)); });
    loadHealth();
    loadDecisions();
    return () => { alive = false; };
  },
};
