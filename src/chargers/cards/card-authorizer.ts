import type { Clock } from '../../platform/clock.ts';
import type { Logger } from '../../platform/logger.ts';
import type { IdTokenRequest, IdTokenVerdict } from '../charger-hooks.ts';
import type { CardStore } from './card-store.ts';

/**
 * Who may charge:
 * - 'auto' (default): any card while the list holds no usable card (a new installation never locks a family out),
 *   only known cards once the first accepted card is added;
 * - 'any': every card, the list only blocks;
 * - 'known-cards': only accepted cards in the list (an empty list refuses everyone).
 * A blocked card is refused and an expired one answered Expired in every mode.
 */
export type AuthorizationMode = 'auto' | 'any' | 'known-cards';

export interface CardAuthorizerOptions {
  cards: CardStore;
  clock: Clock;
  logger: Logger;
  mode: AuthorizationMode;
}

/** How long an idTag Sunplug itself sent in a remote start stays authorized, ms (the charger asks soon after). */
const REMOTE_GRANT_MS = 10 * 60_000;

export class CardAuthorizer {
  private readonly remoteGrants = new Map<string, number>();

  constructor(private readonly options: CardAuthorizerOptions) {}

  get mode(): AuthorizationMode {
    return this.options.mode;
  }

  /** Whether unknown cards are refused right now. */
  get onlyKnownCards(): boolean {
    const { mode, cards, clock } = this.options;
    return mode === 'known-cards' || (mode === 'auto' && cards.hasUsableCard(clock.nowMs()));
  }

  /** An idTag used in a remote start from the API: a charger that authorizes it first gets Accepted. */
  grantRemote(idTag: string): void {
    const nowMs = this.options.clock.nowMs();
    for (const [tag, untilMs] of this.remoteGrants) if (untilMs <= nowMs) this.remoteGrants.delete(tag);
    this.remoteGrants.set(idTag, nowMs + REMOTE_GRANT_MS);
  }

  authorize(request: IdTokenRequest): IdTokenVerdict {
    const { cards, clock, logger } = this.options;
    const nowMs = clock.nowMs();
    // 2.0.1: a station without an identification step (free vending) sends NoAuthorization; there is no card to check.
    if (request.type === 'NoAuthorization') return { status: 'Accepted' };
    const card = cards.get(request.idToken);
    if (card !== undefined) {
      if (card.status === 'blocked') return { status: 'Blocked' };
      if (card.expiresAtMs !== null && card.expiresAtMs <= nowMs) return { status: 'Expired' };
      return card.expiresAtMs !== null ? { status: 'Accepted', expiryMs: card.expiresAtMs } : { status: 'Accepted' };
    }
    const granted = this.remoteGrants.get(request.idToken);
    if (granted !== undefined && granted > nowMs) return { status: 'Accepted' };
    if (request.type === 'Central') return { status: 'Accepted' }; // a token Sunplug issued for a remote start
    cards.noteUnknown(request.idToken, request.chargerId, request.type, nowMs);
    const accepted = !this.onlyKnownCards;
    logger.info({ chargerId: request.chargerId, idTag: request.idToken, origin: request.origin, accepted }, 'cards: unknown card presented');
    return { status: accepted ? 'Accepted' : 'Invalid' };
  }
}
