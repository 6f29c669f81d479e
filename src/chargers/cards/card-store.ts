import type { SqliteDatabase } from '../../store/database.ts';

/** An RFID card (or any OCPP id token) the household knows. */
export interface Card {
  idTag: string;
  name: string;
  owner: string;
  status: 'accepted' | 'blocked';
  /** 2.0.1 IdTokenEnumType, when a charger told us (e.g. ISO14443); 1.6 has none. */
  tokenType: string | null;
  expiresAtMs: number | null;
  createdAtMs: number;
  updatedAtMs: number;
}

/** A card a charger presented that is not in the list, so that the homeowner can add it with one click. */
export interface UnknownCard {
  idTag: string;
  tokenType: string | null;
  chargerId: string;
  firstSeenMs: number;
  lastSeenMs: number;
  timesSeen: number;
}

export type CardChanges = Partial<Pick<Card, 'name' | 'owner' | 'status' | 'expiresAtMs'>>;

interface CardRow {
  id_tag: string;
  name: string;
  owner: string;
  status: 'accepted' | 'blocked';
  token_type: string | null;
  expires_at_ms: number | null;
  created_at_ms: number;
  updated_at_ms: number;
}

interface UnknownRow {
  id_tag: string;
  token_type: string | null;
  charger_id: string;
  first_seen_ms: number;
  last_seen_ms: number;
  times_seen: number;
}

/** Unknown cards kept, newest first: enough for a household, bounded against a charger that reports garbage. */
const MAX_UNKNOWN = 50;

/** The card list in SQLite. Every change is reported to listeners (the local-list sync). */
export class CardStore {
  private readonly listeners = new Set<() => void>();

  constructor(private readonly db: SqliteDatabase) {}

  list(): Card[] {
    return (this.db.prepare('SELECT * FROM cards ORDER BY created_at_ms, id_tag').all() as CardRow[]).map(toCard);
  }

  get(idTag: string): Card | undefined {
    const row = this.db.prepare('SELECT * FROM cards WHERE id_tag = ?').get(idTag) as CardRow | undefined;
    return row ? toCard(row) : undefined;
  }

  /** True when at least one card may charge (status accepted and not expired at `nowMs`). */
  hasUsableCard(nowMs: number): boolean {
    return this.db.prepare(`SELECT 1 FROM cards WHERE status = 'accepted' AND (expires_at_ms IS NULL OR expires_at_ms > ?) LIMIT 1`).get(nowMs) !== undefined;
  }

  /** Adds a card; false when the idTag is already in the list. A remembered unknown card of that id is forgotten. */
  add(card: Omit<Card, 'createdAtMs' | 'updatedAtMs' | 'tokenType'> & { tokenType?: string | null }, nowMs: number): boolean {
    const added = this.db.transaction(() => {
      const unknown = this.db.prepare('SELECT token_type FROM unknown_cards WHERE id_tag = ?').get(card.idTag) as { token_type: string | null } | undefined;
      const result = this.db.prepare(`INSERT INTO cards (id_tag, name, owner, status, token_type, expires_at_ms, created_at_ms, updated_at_ms)
        VALUES (@idTag, @name, @owner, @status, @tokenType, @expiresAtMs, @nowMs, @nowMs) ON CONFLICT (id_tag) DO NOTHING`).run({
        ...card, tokenType: card.tokenType ?? unknown?.token_type ?? null, nowMs,
      });
      if (result.changes === 0) return false;
      this.db.prepare('DELETE FROM unknown_cards WHERE id_tag = ?').run(card.idTag);
      return true;
    })();
    if (added) this.changed();
    return added;
  }

  update(idTag: string, changes: CardChanges, nowMs: number): Card | undefined {
    const current = this.get(idTag);
    if (current === undefined) return undefined;
    const next = { ...current, ...changes, updatedAtMs: nowMs };
    this.db.prepare(`UPDATE cards SET name = @name, owner = @owner, status = @status, expires_at_ms = @expiresAtMs, updated_at_ms = @updatedAtMs
      WHERE id_tag = @idTag`).run(next);
    this.changed();
    return next;
  }

  remove(idTag: string): boolean {
    const removed = this.db.prepare('DELETE FROM cards WHERE id_tag = ?').run(idTag).changes > 0;
    if (removed) this.changed();
    return removed;
  }

  /** Remembers (or refreshes) a card a charger presented that is not in the list. */
  noteUnknown(idTag: string, chargerId: string, tokenType: string | undefined, nowMs: number): void {
    this.db.transaction(() => {
      this.db.prepare(`INSERT INTO unknown_cards (id_tag, token_type, charger_id, first_seen_ms, last_seen_ms, times_seen)
        VALUES (@idTag, @tokenType, @chargerId, @nowMs, @nowMs, 1)
        ON CONFLICT (id_tag) DO UPDATE SET charger_id = @chargerId, last_seen_ms = @nowMs, times_seen = times_seen + 1,
          token_type = COALESCE(@tokenType, token_type)`).run({ idTag, chargerId, tokenType: tokenType ?? null, nowMs });
      this.db.prepare(`DELETE FROM unknown_cards WHERE id_tag NOT IN (SELECT id_tag FROM unknown_cards ORDER BY last_seen_ms DESC LIMIT ${MAX_UNKNOWN})`).run();
    })();
  }

  /** Recently presented unknown cards, newest first. */
  unknown(): UnknownCard[] {
    return (this.db.prepare('SELECT * FROM unknown_cards ORDER BY last_seen_ms DESC').all() as UnknownRow[]).map((row) => ({
      idTag: row.id_tag, tokenType: row.token_type, chargerId: row.charger_id, firstSeenMs: row.first_seen_ms,
      lastSeenMs: row.last_seen_ms, timesSeen: row.times_seen,
    }));
  }

  forgetUnknown(idTag: string): boolean {
    return this.db.prepare('DELETE FROM unknown_cards WHERE id_tag = ?').run(idTag).changes > 0;
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}

function toCard(row: CardRow): Card {
  return {
    idTag: row.id_tag, name: row.name, owner: row.owner, status: row.status, tokenType: row.token_type,
    expiresAtMs: row.expires_at_ms, createdAtMs: row.created_at_ms, updatedAtMs: row.updated_at_ms,
  };
}
