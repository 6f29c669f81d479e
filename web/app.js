// Sunplug dashboard: renders the site state pushed over socket.io. All URLs are relative so that the page works
// at any path (Home Assistant ingress, a reverse proxy).
const MODES = [
  { value: 'off', label: 'Off' },
  { value: 'solar', label: 'Solar' },
  { value: 'minsolar', label: 'Min + solar' },
  { value: 'fast', label: 'Fast' },
];
const STATUS_TEXT = {
  offline: 'Offline', available: 'No car', preparing: 'Car connected', charging: 'Charging',
  'suspended-ev': 'Car paused', 'suspended-evse': 'Paused', finishing: 'Finished', reserved: 'Reserved',
  unavailable: 'Unavailable', faulted: 'Fault',
};

const basePath = location.pathname.endsWith('/') ? location.pathname : location.pathname.replace(/[^/]*$/, '');
// eslint-disable-next-line no-undef
const socket = io({ path: `${basePath}socket.io` });
const $ = (id) => document.getElementById(id);

function formatPower(watts) {
  if (watts === null || watts === undefined) return '–';
  const abs = Math.abs(watts);
  return abs >= 1000 ? `${(watts / 1000).toFixed(2)} kW` : `${Math.round(watts)} W`;
}

function render(state) {
  $('site-name').textContent = state.site.name;
  $('demo-badge').hidden = !state.demo;
  $('pv-power').textContent = formatPower(state.site.pvPowerW);
  $('home-power').textContent = formatPower(state.site.homePowerW);
  $('car-power').textContent = formatPower(state.chargers.reduce((sum, c) => sum + c.powerW, 0));
  const grid = state.site.gridPowerW;
  $('grid-label').textContent = grid === null ? 'Grid' : grid < 0 ? 'Grid (export)' : 'Grid (import)';
  $('grid-power').textContent = grid === null ? '–' : formatPower(Math.abs(grid));
  $('grid-stale').hidden = !state.site.gridStale;
  $('battery-tile').hidden = state.site.batteryPowerW === null;
  $('battery-power').textContent = formatPower(state.site.batteryPowerW);
  $('no-chargers').hidden = state.chargers.length > 0;
  const container = $('chargers');
  for (const charger of state.chargers) renderCharger(container, charger);
  for (const card of [...container.children]) {
    if (!state.chargers.some((c) => c.id === card.dataset.chargerId)) card.remove();
  }
}

function renderCharger(container, charger) {
  let card = container.querySelector(`[data-charger-id="${CSS.escape(charger.id)}"]`);
  if (!card) {
    card = $('charger-card').content.firstElementChild.cloneNode(true);
    card.dataset.chargerId = charger.id;
    const modes = card.querySelector('.modes');
    for (const mode of MODES) {
      const label = document.createElement('label');
      const input = document.createElement('input');
      input.type = 'radio';
      input.name = `mode-${charger.id}`;
      input.value = mode.value;
      input.addEventListener('change', () => setMode(charger.id, mode.value, card));
      label.append(input, ` ${mode.label}`);
      modes.append(label);
    }
    container.append(card);
  }
  card.querySelector('.name').textContent = charger.name;
  const status = card.querySelector('.status');
  status.textContent = STATUS_TEXT[charger.status] ?? charger.status;
  status.dataset.status = charger.status;
  card.querySelector('.power').textContent = formatPower(charger.powerW);
  card.querySelector('.current').textContent = charger.currentA === null ? '–' : `${charger.currentA.toFixed(1)} A × ${charger.phases}`;
  card.querySelector('.limit').textContent = charger.limitA === null ? '–' : `${charger.limitA.toFixed(1)} A`;
  card.querySelector('.energy').textContent = charger.sessionEnergyWh === null ? '–' : `${(charger.sessionEnergyWh / 1000).toFixed(2)} kWh`;
  const reason = card.querySelector('.reason');
  reason.textContent = charger.reasonText ?? '';
  reason.title = charger.detail ?? '';
  reason.dataset.reason = charger.reason ?? '';
  if (!card.dataset.pending) {
    for (const input of card.querySelectorAll('input[type=radio]')) input.checked = input.value === charger.mode;
  }
}

function setMode(chargerId, mode, card) {
  card.dataset.pending = 'true';
  socket.emit('set-mode', { chargerId, mode }, (answer) => {
    delete card.dataset.pending;
    if (!answer.ok) alert(answer.error);
  });
}

socket.on('connect', () => { $('connection').textContent = 'Live'; $('connection').dataset.live = 'true'; });
socket.on('disconnect', () => { $('connection').textContent = 'Reconnecting…'; delete $('connection').dataset.live; });
socket.on('state', render);
