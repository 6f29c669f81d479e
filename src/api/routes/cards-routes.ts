import express, { type Router } from 'express';
import { z } from 'zod';
import type { CardAuthorizer } from '../../chargers/cards/card-authorizer.ts';
import type { Card, CardStore } from '../../chargers/cards/card-store.ts';
import type { LocalListSync } from '../../chargers/cards/local-list-sync.ts';
import type { Clock } from '../../platform/clock.ts';
import { ApiError } from '../http-api.ts';

/** RFID cards (docs/api.md "Cards"): the list that Authorize, StartTransaction and the chargers' local lists follow. */

export interface CardsRouteOptions {
  cards: CardStore;
  authorizer: CardAuthorizer;
  localLists: LocalListSync;
  clock: Clock;
  /** Chargers whose local-list state is reported. */
  chargerIds: () => readonly string[];
}

/** OCPP 1.6 idTags are at most 20 characters, 2.0.1 idTokens 36; printable ASCII without spaces. */
const idTag = z.string().regex(/^[\x21-\x7e]{1,36}$/, 'printable characters without spaces, 1 to 36 long');
const text = (max: number) => z.string().trim().max(max);
/** An expiry as ISO 8601 or milliseconds since the epoch; null removes it. */
const expiry = z.union([z.null(), z.number().int().min(0), z.string().transform((value, ctx) => {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) {
    ctx.addIssue({ code: 'custom', message: 'expected an ISO 8601 time' });
    return z.NEVER;
  }
  return ms;
})]);

const addBody = z.strictObject({
  idTag,
  name: text(64).default(''),
  owner: text(64).default(''),
  status: z.enum(['accepted', 'blocked']).default('accepted'),
  expiresAt: expiry.optional(),
});
const updateBody = z.strictObject({
  name: text(64).optional(),
  owner: text(64).optional(),
  status: z.enum(['accepted', 'blocked']).optional(),
  expiresAt: expiry.optional(),
});

function parseBody<T extends z.ZodType>(schema: T, body: unknown, expected: string): z.output<T> {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) {
    throw new ApiError(400, 'invalid_body', `expected ${expected}: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}

export function cardsRoutes(options: CardsRouteOptions): Router {
  const { cards, authorizer, localLists, clock } = options;
  const router = express.Router();
  const view = (card: Card): object => ({ ...card, expired: card.expiresAtMs !== null && card.expiresAtMs <= clock.nowMs() });

  router.get('/api/v1/cards', (_req, res) => {
    res.json({
      mode: authorizer.mode,
      onlyKnownCards: authorizer.onlyKnownCards,
      cards: cards.list().map(view),
      unknown: cards.unknown(),
      localLists: Object.fromEntries(options.chargerIds().map((id) => [id, localLists.status(id) ?? null])),
    });
  });

  router.post('/api/v1/cards', (req, res) => {
    const body = parseBody(addBody, req.body, '{"idTag", "name"?, "owner"?, "status"?: "accepted"|"blocked", "expiresAt"?}');
    const added = cards.add({
      idTag: body.idTag, name: body.name, owner: body.owner, status: body.status, expiresAtMs: body.expiresAt ?? null,
    }, clock.nowMs());
    if (!added) throw new ApiError(409, 'card_exists', `card "${body.idTag}" is already in the list`);
    res.status(201).json(view(cards.get(body.idTag)!));
  });

  router.put('/api/v1/cards/:idTag', (req, res) => {
    const body = parseBody(updateBody, req.body, '{"name"?, "owner"?, "status"?: "accepted"|"blocked", "expiresAt"?: time or null}');
    const changes = {
      ...(body.name !== undefined ? { name: body.name } : {}),
      ...(body.owner !== undefined ? { owner: body.owner } : {}),
      ...(body.status !== undefined ? { status: body.status } : {}),
      ...(body.expiresAt !== undefined ? { expiresAtMs: body.expiresAt } : {}),
    };
    const card = cards.update(req.params.idTag, changes, clock.nowMs());
    if (card === undefined) throw new ApiError(404, 'card_not_found', `no card "${req.params.idTag}"`);
    res.json(view(card));
  });

  router.delete('/api/v1/cards/:idTag', (req, res) => {
    if (!cards.remove(req.params.idTag)) throw new ApiError(404, 'card_not_found', `no card "${req.params.idTag}"`);
    res.status(204).end();
  });

  router.delete('/api/v1/unknown-cards/:idTag', (req, res) => {
    if (!cards.forgetUnknown(req.params.idTag)) throw new ApiError(404, 'card_not_found', `no unknown card "${req.params.idTag}"`);
    res.status(204).end();
  });

  return router;
}
