import type { Clock } from '../../platform/clock.ts';
import type { Logger } from '../../platform/logger.ts';
import type { SqliteDatabase } from '../../store/database.ts';
import { ChargerOfflineError, type AuthorizationStatus, type OcppCallTarget } from '../charger-hooks.ts';
import { describeCallFailure } from '../ocpp-rpc-types.ts';
import type { Card, CardStore } from './card-store.ts';

/**
 * Keeps each charger's Local Authorization List (1.6 LocalAuthListManagement, 2.0.1 LocalAuthListCtrlr) equal to the
 * card list, so that the family's cards keep working while the LAN or Sunplug is down. Per charger Sunplug remembers
 * the version and entries it last sent: when the charger reports that version, only the difference is sent
 * (Differential); otherwise (a new charger, a reset, a list changed by someone else) the whole list (Full).
 */

/** One entry as the charger holds it. */
export interface LocalListEntry {
  status: AuthorizationStatus;
  expiryMs?: number;
  tokenType?: string;
}

export type SyncOutcome = 'up-to-date' | 'full' | 'differential' | 'unsupported' | 'offline' | 'failed';

export interface SyncResult {
  outcome: SyncOutcome;
  version?: number;
  detail?: string;
}

export interface LocalListSyncOptions {
  db: SqliteDatabase;
  cards: CardStore;
  clock: Clock;
  logger: Logger;
  /** The adapter of a charger, when it has connected since start. */
  target: (chargerId: string) => (OcppCallTarget & { capabilities?: unknown }) | undefined;
  /** Chargers to re-sync after a card change (the connected ones). */
  onlineChargers: () => readonly string[];
}

interface ListRow {
  version: number;
  entries: string;
}

export class LocalListSync {
  /** Per charger: the running sync, and whether another must follow it (a change arrived meanwhile). */
  private readonly running = new Map<string, { done: Promise<SyncResult>; again: boolean }>();
  private readonly lastResults = new Map<string, SyncResult & { atMs: number }>();

  constructor(private readonly options: LocalListSyncOptions) {}

  /** Syncs every connected charger (after a card change). */
  syncAll(): void {
    for (const id of this.options.onlineChargers()) void this.sync(id);
  }

  /** The outcome of the last sync of a charger, for the API. */
  status(chargerId: string): (SyncResult & { atMs: number }) | undefined {
    return this.lastResults.get(chargerId);
  }

  /** Brings one charger's list up to date; concurrent requests are merged into one more run. */
  sync(chargerId: string): Promise<SyncResult> {
    const current = this.running.get(chargerId);
    if (current !== undefined) {
      current.again = true;
      return current.done;
    }
    const entry = { done: Promise.resolve<SyncResult>({ outcome: 'up-to-date' }), again: false };
    entry.done = (async () => {
      let result: SyncResult;
      do {
        entry.again = false;
        result = await this.syncOnce(chargerId).catch((error: unknown) => {
          this.options.logger.error({ err: error, chargerId }, 'cards: local list sync failed');
          return { outcome: 'failed' as const, detail: error instanceof Error ? error.message : String(error) };
        });
      } while (entry.again && result.outcome !== 'offline');
      this.running.delete(chargerId);
      this.lastResults.set(chargerId, { ...result, atMs: this.options.clock.nowMs() });
      return result;
    })();
    this.running.set(chargerId, entry);
    return entry.done;
  }

  private async syncOnce(chargerId: string): Promise<SyncResult> {
    const target = this.options.target(chargerId);
    if (target === undefined || !target.online) return { outcome: 'offline' };
    if (target.protocol === 'ocpp1.6' && !supportsLocalList16(target.capabilities)) {
      return { outcome: 'unsupported', detail: 'SupportedFeatureProfiles lacks LocalAuthListManagement' };
    }
    const wanted = desiredEntries(this.options.cards.list(), this.options.clock.nowMs());
    const held = this.held(chargerId);
    let chargerVersion: number;
    try {
      chargerVersion = await getVersion(target);
    } catch (error) {
      return this.failure(chargerId, error, 'GetLocalListVersion');
    }
    if (held !== undefined && held.version === chargerVersion) {
      const changes = difference(held.entries, wanted);
      if (changes.size === 0) return { outcome: 'up-to-date', version: chargerVersion };
      const version = chargerVersion + 1;
      const status = await this.send(target, chargerId, version, 'Differential', changes);
      if (status === 'Accepted') {
        this.remember(chargerId, version, wanted);
        return { outcome: 'differential', version };
      }
      if (status === 'NotSupported' || status instanceof Error) return this.answer(chargerId, status, 'SendLocalList');
      // Failed or VersionMismatch: the charger's list is not what we think; send it whole.
      this.options.logger.info({ chargerId, status }, 'cards: differential local list refused; sending the full list');
    }
    const version = Math.max(chargerVersion, held?.version ?? 0) + 1;
    const status = await this.send(target, chargerId, version, 'Full', wanted);
    if (status === 'Accepted') {
      this.remember(chargerId, version, wanted);
      return { outcome: 'full', version };
    }
    return this.answer(chargerId, status, 'SendLocalList');
  }

  private answer(chargerId: string, status: string | Error, method: string): SyncResult {
    if (status instanceof Error) return this.failure(chargerId, status, method);
    this.options.logger.warn({ chargerId, status }, 'cards: charger did not take the local list');
    return { outcome: status === 'NotSupported' ? 'unsupported' : 'failed', detail: `${method}: ${status}` };
  }

  private failure(chargerId: string, error: unknown, method: string): SyncResult {
    const failure = describeCallFailure(error);
    if (failure.kind === 'not-connected' || error instanceof ChargerOfflineError) return { outcome: 'offline' };
    if (failure.kind === 'call-error' && /^(NotImplemented|NotSupported)/.test(failure.detail)) {
      return { outcome: 'unsupported', detail: `${method}: ${failure.detail}` };
    }
    this.options.logger.warn({ chargerId, method, detail: failure.detail }, 'cards: local list sync failed');
    return { outcome: 'failed', detail: `${method}: ${failure.detail}` };
  }

  /** SendLocalList in the charger's version; the answer's status, or the error of the call. */
  private async send(target: OcppCallTarget, chargerId: string, version: number, updateType: 'Full' | 'Differential',
    entries: ReadonlyMap<string, LocalListEntry | undefined>): Promise<string | Error> {
    const list = [...entries].map(([idTag, entry]) => (target.protocol === 'ocpp1.6' ? entry16(idTag, entry) : entry201(idTag, entry)));
    const request = target.protocol === 'ocpp1.6'
      ? { listVersion: version, updateType, ...(list.length > 0 ? { localAuthorizationList: list } : {}) }
      : { versionNumber: version, updateType, ...(list.length > 0 ? { localAuthorizationList: list } : {}) };
    try {
      const answer = await target.call('SendLocalList', request);
      const status = typeof answer === 'object' && answer !== null ? (answer as { status?: unknown }).status : undefined;
      this.options.logger.info({ chargerId, version, updateType, entries: list.length, status }, 'cards: local list sent');
      return typeof status === 'string' ? status : 'Failed';
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  }

  private held(chargerId: string): { version: number; entries: Map<string, LocalListEntry> } | undefined {
    const row = this.options.db.prepare('SELECT version, entries FROM local_lists WHERE charger_id = ?').get(chargerId) as ListRow | undefined;
    if (row === undefined) return undefined;
    try {
      return { version: row.version, entries: new Map(Object.entries(JSON.parse(row.entries) as Record<string, LocalListEntry>)) };
    } catch {
      return undefined;
    }
  }

  private remember(chargerId: string, version: number, entries: ReadonlyMap<string, LocalListEntry>): void {
    this.options.db.prepare(`INSERT INTO local_lists (charger_id, version, entries, synced_at_ms) VALUES (?, ?, ?, ?)
      ON CONFLICT (charger_id) DO UPDATE SET version = excluded.version, entries = excluded.entries, synced_at_ms = excluded.synced_at_ms`)
      .run(chargerId, version, JSON.stringify(Object.fromEntries(entries)), this.options.clock.nowMs());
  }
}

/** What each charger should hold: every card, with the answer it would get online. */
export function desiredEntries(cards: readonly Card[], nowMs: number): Map<string, LocalListEntry> {
  const entries = new Map<string, LocalListEntry>();
  for (const card of cards) {
    const expired = card.expiresAtMs !== null && card.expiresAtMs <= nowMs;
    const status: AuthorizationStatus = card.status === 'blocked' ? 'Blocked' : expired ? 'Expired' : 'Accepted';
    entries.set(card.idTag, {
      status,
      ...(card.expiresAtMs !== null && status === 'Accepted' ? { expiryMs: card.expiresAtMs } : {}),
      ...(card.tokenType !== null ? { tokenType: card.tokenType } : {}),
    });
  }
  return entries;
}

/** Entries to send in a Differential update: changed or new ones, and removed ones as undefined (delete). */
export function difference(held: ReadonlyMap<string, LocalListEntry>, wanted: ReadonlyMap<string, LocalListEntry>): Map<string, LocalListEntry | undefined> {
  const changes = new Map<string, LocalListEntry | undefined>();
  for (const [idTag, entry] of wanted) {
    const before = held.get(idTag);
    if (before === undefined || before.status !== entry.status || before.expiryMs !== entry.expiryMs) changes.set(idTag, entry);
  }
  for (const idTag of held.keys()) if (!wanted.has(idTag)) changes.set(idTag, undefined);
  return changes;
}

function entry16(idTag: string, entry: LocalListEntry | undefined): object {
  if (entry === undefined) return { idTag };
  return { idTag, idTagInfo: { status: entry.status, ...(entry.expiryMs !== undefined ? { expiryDate: new Date(entry.expiryMs).toISOString() } : {}) } };
}

function entry201(idTag: string, entry: LocalListEntry | undefined): object {
  const idToken = { idToken: idTag, type: entry?.tokenType ?? 'ISO14443' };
  if (entry === undefined) return { idToken };
  return {
    idToken,
    idTokenInfo: { status: entry.status, ...(entry.expiryMs !== undefined ? { cacheExpiryDateTime: new Date(entry.expiryMs).toISOString() } : {}) },
  };
}

async function getVersion(target: OcppCallTarget): Promise<number> {
  const answer = await target.call('GetLocalListVersion', {});
  const record = typeof answer === 'object' && answer !== null ? answer as Record<string, unknown> : {};
  const version = target.protocol === 'ocpp1.6' ? record.listVersion : record.versionNumber;
  // 1.6: -1 = the local list is disabled; 0 = empty. Either way the whole list is sent next.
  return typeof version === 'number' && Number.isInteger(version) ? version : 0;
}

function supportsLocalList16(capabilities: unknown): boolean {
  const profiles = typeof capabilities === 'object' && capabilities !== null
    ? (capabilities as { featureProfiles?: ReadonlySet<string> }).featureProfiles : undefined;
  // Unknown (the read failed): try; a charger without the profile answers NotSupported/NotImplemented.
  return profiles === undefined || profiles.has('LocalAuthListManagement');
}
