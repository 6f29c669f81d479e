import type { OcppLogEntry } from '../chargers/message-log.ts';

/** The installer's filter on a charger's OCPP log: action (exact, any case), direction, and text anywhere in the frame. */
export interface OcppLogFilter {
  action?: string | undefined;
  direction?: 'in' | 'out' | undefined;
  text?: string | undefined;
}

export function isFiltering(filter: OcppLogFilter): boolean {
  return filter.action !== undefined || filter.direction !== undefined || filter.text !== undefined;
}

export function filterOcppLog(entries: readonly OcppLogEntry[], filter: OcppLogFilter): OcppLogEntry[] {
  const action = filter.action?.toLowerCase();
  const text = filter.text?.toLowerCase();
  return entries.filter((entry) => (action === undefined || entry.action?.toLowerCase() === action)
    && (filter.direction === undefined || entry.direction === filter.direction)
    && (text === undefined || JSON.stringify(entry).toLowerCase().includes(text)));
}
