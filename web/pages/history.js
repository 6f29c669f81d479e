// History: the site's powers over a day, week, month or year (uPlot, served from the installed package under
// vendor/uplot/), the period's energy totals and energy bars per day (per month for a year), in the site's time zone.
import { translator } from '../i18n.js';
import dictionary from '../i18n/history.js';
import { addLocalDays, isoLocalDate, localParts, localToUtc, parseLocal, startOfLocalDay } from '../time.js';

const PERIODS = ['day', 'week', 'month', 'year'];
/** Resolution asked of the API per period. */
const RESOLUTION = { day: 'minute', week: 'hour', month: 'hour', year: 'day' };
const SERIES = [
  { key: 'pvW', color: 'var(--sun)', fallback: '#b86e00' },
  { key: 'homeW', color: 'var(--home)', fallback: '#6a3fb5' },
  { key: 'chargersW', color: 'var(--car)', fallback: '#0b7a4b' },
  { key: 'gridW', color: 'var(--grid)', fallback: '#1d5fbf' },
  { key: 'batteryW', color: 'var(--muted)', fallback: '#56616d' },
];

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === 'class') node.className = value;
    else node.setAttribute(name, value);
  }
  node.append(...children);
  return node;
}

function ensureStyle(href, key) {
  if (document.querySelector(`link[data-page-style="${key}"]`)) return;
  document.head.append(element('link', { rel: 'stylesheet', href, 'data-page-style': key }));
}

let uplotLoading;
/** The chart library, loaded the first time a history page opens (the overview never needs it). */
function loadUplot() {
  ensureStyle('vendor/uplot/uPlot.min.css', 'uplot');
  if (window.uPlot) return Promise.resolve(window.uPlot);
  uplotLoading ??= new Promise((resolve, reject) => {
    const script = element('script', { src: 'vendor/uplot/uPlot.iife.min.js' });
    script.addEventListener('load', () => resolve(window.uPlot));
    script.addEventListener('error', () => { uplotLoading = undefined; reject(new Error('chart library unavailable')); });
    document.head.append(script);
  });
  return uplotLoading;
}

/** [from, to) of the period around `anchorMs`, in local days of the zone (weeks start on Monday). */
export function periodRange(period, anchorMs, timeZone) {
  const p = localParts(anchorMs, timeZone);
  switch (period) {
    case 'day': return [startOfLocalDay(anchorMs, timeZone), addLocalDays(anchorMs, 1, timeZone)];
    case 'week': {
      const weekday = new Date(Date.UTC(p.year, p.month - 1, p.day)).getUTCDay();
      const from = addLocalDays(anchorMs, -((weekday + 6) % 7), timeZone);
      return [from, addLocalDays(from, 7, timeZone)];
    }
    case 'month': return [localToUtc(p.year, p.month, 1, 0, 0, timeZone), localToUtc(p.month === 12 ? p.year + 1 : p.year, p.month === 12 ? 1 : p.month + 1, 1, 0, 0, timeZone)];
    default: return [localToUtc(p.year, 1, 1, 0, 0, timeZone), localToUtc(p.year + 1, 1, 1, 0, 0, timeZone)];
  }
}

/** Energy per bucket (local day, or local month for a year) from mean powers: Wh = W × minutes of data / 60. */
export function energyBuckets(points, period, timeZone) {
  const buckets = new Map();
  const zero = () => ({ pvWh: 0, homeWh: 0, chargersWh: 0, importWh: 0, exportWh: 0 });
  const total = zero();
  for (const point of points) {
    const p = localParts(point.atMs, timeZone);
    const key = period === 'year' ? `${p.year}-${String(p.month).padStart(2, '0')}` : isoLocalDate(point.atMs, timeZone);
    let bucket = buckets.get(key);
    if (!bucket) {
      bucket = { key, atMs: point.atMs, ...zero() };
      buckets.set(key, bucket);
    }
    const hoursPerPoint = (point.minutes ?? 1) / 60;
    for (const target of [bucket, total]) {
      target.pvWh += (point.pvW ?? 0) * hoursPerPoint;
      target.homeWh += (point.homeW ?? 0) * hoursPerPoint;
      target.chargersWh += (point.chargersW ?? 0) * hoursPerPoint;
      target.importWh += Math.max(0, point.gridW ?? 0) * hoursPerPoint;
      target.exportWh += Math.max(0, -(point.gridW ?? 0)) * hoursPerPoint;
    }
  }
  return { buckets: [...buckets.values()], total };
}

export default {
  id: 'history',
  mount(root, ctx) {
    ensureStyle('pages/history.css', 'history');
    const t = translator(dictionary, ctx.lang);
    let period = 'day';
    // The site's clock, not the browser's: the state carries the server's time (a demo may run faster than real time).
    const nowMs = () => ctx.state()?.atMs ?? Date.now();
    let anchorMs = nowMs();
    let chart;
    let resizeObserver;
    let generation = 0;

    const periodGroup = element('fieldset', { class: 'periods' }, element('legend', { class: 'visually-hidden' }, t('period')));
    for (const id of PERIODS) {
      const input = element('input', { type: 'radio', name: 'history-period', value: id });
      if (id === period) input.checked = true;
      input.addEventListener('change', () => { period = id; void load(); });
      periodGroup.append(element('label', {}, input, ` ${t(`period.${id}`)}`));
    }
    const previous = element('button', { type: 'button', class: 'button', 'aria-label': t('previous') }, '‹');
    const next = element('button', { type: 'button', class: 'button', 'aria-label': t('next') }, '›');
    const dateInput = element('input', { type: 'date', id: 'history-date' });
    const title = element('h2', { id: 'history-title', 'aria-live': 'polite' });
    const status = element('p', { class: 'hint', role: 'status' });
    const chartBox = element('div', { class: 'chart', role: 'img', 'aria-labelledby': 'history-title' });
    const totals = element('dl', { class: 'totals', 'data-testid': 'history-totals' });
    const energyTitle = element('h3', {}, t('energyPerDay'));
    const energyTable = element('div', { class: 'table-wrap' });
    root.append(
      element('div', { class: 'toolbar' }, periodGroup,
        element('div', { class: 'date-nav' }, previous,
          element('label', { for: 'history-date', class: 'visually-hidden' }, t('date')), dateInput, next)),
      title, status, chartBox, totals, energyTitle, energyTable,
    );

    const shift = (direction) => {
      const tz = ctx.timeZone();
      const [from, to] = periodRange(period, anchorMs, tz);
      anchorMs = direction < 0 ? from - 1 : to;
      void load();
    };
    previous.addEventListener('click', () => shift(-1));
    next.addEventListener('click', () => shift(1));
    dateInput.addEventListener('change', () => {
      const ms = parseLocal(dateInput.value, ctx.timeZone());
      if (ms !== undefined) { anchorMs = ms; void load(); }
    });

    const renderTotals = (total) => {
      totals.replaceChildren(...[
        ['pv', total.pvWh], ['home', total.homeWh], ['cars', total.chargersWh], ['gridImport', total.importWh], ['gridExport', total.exportWh],
      ].map(([key, wh]) => element('div', { class: `total ${key}` }, element('dt', {}, t(key)), element('dd', {}, ctx.format.energy(wh)))));
    };

    const renderEnergy = (buckets) => {
      energyTitle.textContent = period === 'year' ? t('energyPerMonth') : t('energyPerDay');
      energyTitle.hidden = period === 'day';
      energyTable.hidden = period === 'day';
      if (period === 'day') return;
      const max = Math.max(1, ...buckets.flatMap((b) => [b.pvWh, b.homeWh, b.chargersWh]));
      const cell = (wh, kind) => element('td', {},
        element('span', { class: `ebar ${kind}`, style: `width:${Math.round((wh / max) * 100)}%`, 'aria-hidden': 'true' }),
        element('span', { class: 'evalue' }, ctx.format.energy(wh)));
      const monthName = new Intl.DateTimeFormat(ctx.lang, { month: 'short', year: 'numeric', timeZone: ctx.timeZone() });
      const dayName = new Intl.DateTimeFormat(ctx.lang, { weekday: 'short', day: 'numeric', month: 'short', timeZone: ctx.timeZone() });
      const table = element('table', { class: 'table energy' },
        element('thead', {}, element('tr', {},
          element('th', { scope: 'col' }, period === 'year' ? t('month') : t('date')),
          element('th', { scope: 'col' }, t('pv')), element('th', { scope: 'col' }, t('home')), element('th', { scope: 'col' }, t('cars')))),
        element('tbody', {}, ...buckets.map((b) => element('tr', {},
          element('th', { scope: 'row' }, (period === 'year' ? monthName : dayName).format(b.atMs)),
          cell(b.pvWh, 'pv'), cell(b.homeWh, 'home'), cell(b.chargersWh, 'cars')))));
      energyTable.replaceChildren(buckets.length ? table : element('p', { class: 'hint' }, t('noData')));
    };

    const renderChart = async (points, from, to) => {
      chart?.destroy();
      chart = undefined;
      chartBox.replaceChildren();
      if (points.length === 0) {
        chartBox.append(element('p', { class: 'hint' }, t('noData')));
        return;
      }
      let uPlot;
      try {
        uPlot = await loadUplot();
      } catch {
        chartBox.append(element('p', { class: 'warning' }, t('chartUnavailable')));
        return;
      }
      const styles = getComputedStyle(document.documentElement);
      const colour = (s) => styles.getPropertyValue(s.color.slice(4, -1)).trim() || s.fallback;
      const shown = SERIES.filter((s) => s.key !== 'batteryW' || points.some((p) => p.batteryW !== null));
      const data = [points.map((p) => p.atMs), ...shown.map((s) => points.map((p) => (p[s.key] === null ? null : p[s.key] / 1000)))];
      const tz = ctx.timeZone();
      const axisColour = styles.getPropertyValue('--muted').trim() || '#56616d';
      const gridColour = styles.getPropertyValue('--line').trim() || '#d9dee4';
      const options = {
        width: Math.max(280, chartBox.clientWidth),
        height: Math.min(360, Math.max(220, Math.round(chartBox.clientWidth * 0.55))),
        ms: 1,
        tzDate: (ms) => uPlot.tzDate(new Date(ms), tz),
        scales: { x: { time: true, range: [from, to] } },
        axes: [
          { stroke: axisColour, grid: { stroke: gridColour } },
          { stroke: axisColour, grid: { stroke: gridColour }, label: 'kW', size: 50, values: (_u, ticks) => ticks.map((v) => v.toLocaleString(ctx.lang)) },
        ],
        series: [
          { value: (_u, v) => (v === null ? '–' : ctx.format.dateTime(v)) },
          ...shown.map((s) => ({
            // A few points (a period just begun) are drawn as dots: a line needs two.
            label: t(s.key), stroke: colour(s), width: 1.5, points: { show: points.length < 30, size: 6, fill: colour(s) },
            value: (_u, v) => (v === null ? '–' : ctx.format.power(v * 1000)),
          })),
        ],
      };
      chart = new uPlot(options, data, chartBox);
      resizeObserver ??= new ResizeObserver(() => {
        chart?.setSize({ width: Math.max(280, chartBox.clientWidth), height: Math.min(360, Math.max(220, Math.round(chartBox.clientWidth * 0.55))) });
      });
      resizeObserver.observe(chartBox);
    };

    const load = async () => {
      const mine = ++generation;
      const tz = ctx.timeZone();
      const [from, to] = periodRange(period, anchorMs, tz);
      const resolution = RESOLUTION[period];
      dateInput.value = isoLocalDate(anchorMs, tz);
      next.disabled = to > nowMs();
      const label = period === 'day' ? ctx.format.date(from)
        : period === 'year' ? String(localParts(from, tz).year)
          : `${ctx.format.date(from)} – ${ctx.format.date(to - 1)}`;
      title.textContent = t('title', { period: label });
      status.textContent = t('loading');
      try {
        const points = await ctx.api(`api/v1/history?from=${from}&to=${to}&resolution=${resolution}`);
        if (mine !== generation) return;
        status.textContent = '';
        const { buckets, total } = energyBuckets(points, period, tz);
        renderTotals(total);
        renderEnergy(buckets);
        await renderChart(points, from, to);
      } catch (failure) {
        if (mine !== generation) return;
        status.textContent = t('loadFailed', { message: failure.message });
      }
    };

    // The period is the site's day in the site's zone: both come with the first state.
    let waiting;
    if (ctx.state()) void load();
    else {
      status.textContent = t('loading');
      waiting = ctx.onState(() => {
        waiting();
        waiting = undefined;
        anchorMs = nowMs();
        void load();
      });
    }
    return () => {
      waiting?.();
      generation++;
      resizeObserver?.disconnect();
      chart?.destroy();
    };
  },
};
