import { roundDownToTenth, type ChargeLimit } from '../domain/charge-limit.ts';
import type { ChargerState } from '../domain/charger-state.ts';
import { ageMs, type PhaseValues } from '../domain/meter-reading.ts';
import type { Reason } from '../domain/reason.ts';
import type { SiteSnapshot } from '../domain/site-snapshot.ts';
import {
  allocateFuseHeadroom, chargerGridPhases, chargerHeadroomA, chargerPhaseCurrentsA, gridPhaseCurrentsA,
  type FuseConstraint, type FuseDemand,
} from './fuse-guard.ts';
import { activePhases, stepPhases, type PhaseSwitchState } from './phase-switching.ts';
import { solarNeedsHelp, stepPlan, type PlanMemory, type PlanView } from './plan-mode.ts';
import { DEFAULT_PLANNING, type ChargerPolicySettings, type PolicySettings } from './policy-settings.ts';
import { priceAtOrBelowLimit } from './price-limit.ts';
import { availableSolarPowerW, IDLE_SOLAR_STATE, stepMinSolar, stepSolar, type SolarChargerState } from './solar-surplus.ts';

/** What the policy remembers between ticks, per charger. Plain data so that it can be logged and tested. */
export interface ChargerPolicyState {
  solar: SolarChargerState;
  solarReason?: Reason;
  solarDetail?: string;
  /** Since when the charger has drawn well above its limit after settling, ms. */
  notFollowingSinceMs?: number;
  /** 1-phase/3-phase switching, for chargers that can. */
  phaseSwitch?: PhaseSwitchState;
  /** Since when the fuse has kept this charger paused although it wanted current (rotation of who waits), ms. */
  fusePausedSinceMs?: number;
  /** Since when the charger has had a non-zero limit, ms. */
  runningSinceMs?: number;
  /** Plan mode: the target's delivered-energy baseline and the last plan. */
  plan?: PlanMemory;
  /** Last limit handed out, A, and the one before it; with the time it changed. */
  limitA?: number;
  previousLimitA?: number;
  limitChangedAtMs?: number;
}

export interface PolicyState {
  chargers: Readonly<Record<string, ChargerPolicyState>>;
}

export const INITIAL_POLICY_STATE: PolicyState = { chargers: {} };

/** One line of the decision log: why a charger got its limit, with the numbers behind it. */
export interface DecisionNote {
  chargerId: string;
  reason: Reason;
  detail: string;
}

export interface Decision {
  limits: ChargeLimit[];
  next: PolicyState;
  reasons: DecisionNote[];
  /** Plan-mode chargers with a car and a target: how the plan stands. */
  plans?: Readonly<Record<string, PlanView>>;
}

interface Want {
  desiredA: number;
  reason: Reason;
  detail: string;
  solar: ChargerPolicyState;
}

/**
 * Plan mode on top of the solar step already in `wants`: inside a planned block the car gets at least the plan's
 * current (reason plan), and the sun beyond it; outside, solar mode takes what sun there is. No target: solar only.
 */
function planWant(cfg: ChargerPolicySettings, live: ChargerState, memory: ChargerPolicyState, wants: Map<string, Want>,
  plans: Record<string, PlanView>, snapshot: SiteSnapshot, settings: PolicySettings): void {
  const solar = wants.get(cfg.id)!;
  if (cfg.plan === undefined) {
    wants.set(cfg.id, { ...solar, detail: `plan mode without a plan: ${solar.detail}` });
    return;
  }
  const settled = memory.limitA !== undefined && memory.limitChangedAtMs !== undefined &&
    (live.measuredAtMs ?? Number.NEGATIVE_INFINITY) >= memory.limitChangedAtMs + settings.site.chargerSettleMs;
  const step = stepPlan({ cfg, target: cfg.plan, live, memory: memory.plan, snapshot, voltageV: settings.site.voltageV,
    planning: settings.planning ?? DEFAULT_PLANNING, ...(settled ? { settledLimitA: memory.limitA } : {}) });
  plans[cfg.id] = step.view;
  const carried = { ...solar.solar, plan: step.memory };
  if (step.planA !== undefined && step.planA >= solar.desiredA) {
    wants.set(cfg.id, { desiredA: step.planA, reason: 'plan', detail: step.detail, solar: carried });
  } else {
    wants.set(cfg.id, { ...solar, detail: `${step.detail}: ${solar.detail}`, solar: carried });
  }
}

/** A charger's measurement is used for solar decisions only once it can reflect the last limit, or after this. */
const MEASUREMENT_WAIT_LIMIT_MS = 60_000;

/**
 * The whole charging policy for one tick. Pure: time arrives in `snapshot.nowMs`, memory in `state`.
 * Order of clamps: the mode's target first (off, solar, fast), then the fuse, which always wins.
 */
export function decide(snapshot: SiteSnapshot, state: PolicyState, settings: PolicySettings): Decision {
  const { site } = settings;
  const nowMs = snapshot.nowMs;
  const connected = settings.chargers.flatMap((cfg) => {
    const live = snapshot.chargers.find((c) => c.id === cfg.id);
    const memory = state.chargers[cfg.id] ?? { solar: IDLE_SOLAR_STATE };
    // A charger that switches phases is handled with the phases it uses now.
    const phases = activePhases(cfg, memory.phaseSwitch, nowMs);
    return live?.connected ? [{ cfg: phases === cfg.phases ? cfg : { ...cfg, phases }, base: cfg, live, memory }] : [];
  });
  const reasons: DecisionNote[] = settings.chargers
    .filter((cfg) => !connected.some((c) => c.cfg.id === cfg.id))
    .map((cfg) => ({ chargerId: cfg.id, reason: 'charger-offline' as const, detail: 'no OCPP connection' }));
  const next: Record<string, ChargerPolicyState> = {};
  const limits: ChargeLimit[] = [];

  const grid = snapshot.grid;
  if (grid === undefined || ageMs(grid, nowMs) > site.gridMaxAgeMs) {
    const age = grid === undefined ? 'no reading yet' : `last reading ${Math.round(ageMs(grid, nowMs) / 1000)} s old`;
    for (const { cfg, memory } of connected) {
      const currentA = usableCurrentA(Math.min(site.safeCurrentA, cfg.maxCurrentA), cfg);
      limits.push({ chargerId: cfg.id, currentA, phases: cfg.phases, reason: 'stale-meter', safety: true });
      reasons.push({ chargerId: cfg.id, reason: 'stale-meter', detail: `grid meter stale (${age}): safe current ${currentA} A` });
      next[cfg.id] = remember({ solar: IDLE_SOLAR_STATE }, memory, currentA, nowMs);
    }
    return { limits, next: { chargers: next }, reasons };
  }

  // Mode targets.
  const battery = snapshot.battery !== undefined && ageMs(snapshot.battery, nowMs) <= site.gridMaxAgeMs ? snapshot.battery : undefined;
  const chargingMinW = connected.reduce((sum, { cfg, live }) =>
    live.powerW > 0 ? sum + cfg.minCurrentA * cfg.phases * site.voltageV : sum, 0);
  let surplusLeftW = availableSolarPowerW(snapshot, grid.powerW, battery, settings.battery, chargingMinW);
  const byPriority = [...connected].sort((a, b) => b.cfg.priority - a.cfg.priority || a.cfg.id.localeCompare(b.cfg.id));
  const wants = new Map<string, Want>();
  const plans: Record<string, PlanView> = {};
  const phaseStates = new Map<string, { state: PhaseSwitchState; detail: string }>();
  for (const entry of byPriority) {
    const { base, live, memory } = entry;
    if (base.phaseSwitching && base.phases === 3 && live.vehicleConnected && base.mode !== 'off') {
      const solarMode = base.mode === 'solar' || base.mode === 'minsolar';
      const step = stepPhases(base, memory.phaseSwitch, surplusLeftW, live, solarMode, nowMs, site.voltageV);
      if (step.state.active !== entry.cfg.phases) entry.cfg = { ...base, phases: step.state.active };
      if (step.pausing) {
        wants.set(base.id, { desiredA: 0, reason: 'phase-switch', detail: step.detail, solar: { ...memory, phaseSwitch: step.state } });
        continue;
      }
      phaseStates.set(base.id, { state: step.state, detail: step.detail });
    }
    const cfg = entry.cfg;
    if (cfg.mode === 'off') {
      wants.set(cfg.id, { desiredA: 0, reason: 'user-off', detail: 'mode off', solar: { solar: IDLE_SOLAR_STATE } });
    } else if (!live.vehicleConnected) {
      const desiredA = cfg.mode === 'fast' ? cfg.maxCurrentA : 0;
      wants.set(cfg.id, { desiredA, reason: 'no-vehicle', detail: `no car plugged in (mode ${cfg.mode})`, solar: { solar: IDLE_SOLAR_STATE } });
    } else if (cfg.priceLimitPerKWh !== undefined && snapshot.prices !== undefined &&
      priceAtOrBelowLimit(snapshot.prices, nowMs, cfg.priceLimitPerKWh)) {
      wants.set(cfg.id, { desiredA: cfg.maxCurrentA, reason: 'cheap-tariff',
        detail: `price at or below ${cfg.priceLimitPerKWh} per kWh: up to ${cfg.maxCurrentA} A`, solar: { solar: IDLE_SOLAR_STATE } });
    } else if (cfg.mode === 'fast') {
      wants.set(cfg.id, { desiredA: cfg.maxCurrentA, reason: 'fast', detail: `fast: up to ${cfg.maxCurrentA} A`, solar: { solar: IDLE_SOLAR_STATE } });
    } else {
      const held = memory.solar;
      if (solarMayMove(memory, live, nowMs, settings)) {
        const assist = cfg.mode === 'solar' && cfg.plan !== undefined
          ? solarNeedsHelp({ cfg, target: cfg.plan, live, memory: memory.plan, snapshot, voltageV: site.voltageV,
            planning: settings.planning ?? DEFAULT_PLANNING })
          : undefined;
        const step = cfg.mode === 'minsolar'
          ? stepMinSolar(surplusLeftW, nowMs, cfg, site.voltageV)
          : stepSolar(held, surplusLeftW, nowMs, cfg, assist?.help ? assistedSolar(settings.solar, cfg, site.voltageV) : settings.solar, site.voltageV);
        const detail = assist?.help ? `${step.detail}; ${assist.detail}` : step.detail;
        wants.set(cfg.id, { desiredA: step.targetA, reason: step.reason, detail,
          solar: { solar: step.state, solarReason: step.reason, solarDetail: detail, ...(assist ? { plan: assist.memory } : {}) } });
      } else {
        const heldA = cfg.mode === 'minsolar' ? Math.max(cfg.minCurrentA, held.targetA) : held.enabled ? held.targetA : 0;
        wants.set(cfg.id, { desiredA: heldA, reason: memory.solarReason ?? (cfg.mode === 'minsolar' ? 'min-current' : 'solar-waiting'),
          detail: memory.solarDetail ?? 'waiting for the charger to report', solar: memory });
      }
      if (cfg.mode === 'plan') planWant(cfg, live, memory, wants, plans, snapshot, settings);
      surplusLeftW -= (wants.get(cfg.id)!.desiredA) * cfg.phases * site.voltageV;
    }
    const phase = phaseStates.get(cfg.id);
    if (phase !== undefined) {
      const want = wants.get(cfg.id)!;
      wants.set(cfg.id, { ...want, detail: phase.detail ? `${want.detail}; ${phase.detail}` : want.detail, solar: { ...want.solar, phaseSwitch: phase.state } });
    }
  }

  // The fuse: what the rest of the home draws on each phase sets the chargers' headroom.
  const gridA = gridPhaseCurrentsA(grid, site);
  const chargersA = connected.reduce<PhaseValues>((sum, { cfg, live, memory }) => {
    const own = chargerPhaseCurrentsA(live, cfg.phases, site.voltageV, cfg.phaseRotation);
    const onPhases = chargerGridPhases(cfg.phases, cfg.phaseRotation);
    // On a phase over the limit right now, the lowest plausible count is used: an overload is never explained away.
    const overLimit = (p: number): boolean => gridA[p]! > site.mainFuseA - site.safetyMarginA;
    return [0, 1, 2].map((p) => sum[p]! + (!onPhases.includes(p) ? own[p]!
      : overLimit(p) ? Math.min(own[p]!, believedChargerCurrentA(memory, nowMs, site.chargerSettleMs))
        : countedChargerCurrentA(own[p]!, memory, live, nowMs, site.chargerSettleMs))) as unknown as PhaseValues;
  }, [0, 0, 0]);
  // A charger whose last limit change no measurement has shown yet draws somewhere between its old and new limit:
  // the headroom worked out from the grid reading is not to be trusted on its phases. Until it has settled, limits on
  // those phases are held (neither raised nor cut for the fuse) unless the grid reads over the limit there.
  const heldPhases = new Set(connected.flatMap(({ cfg, live, memory }) =>
    awaitingMeasurement(memory, live, nowMs, site.chargerSettleMs) ? [...chargerGridPhases(cfg.phases, cfg.phaseRotation)] : []));
  const limitA = site.mainFuseA - site.safetyMarginA;
  const onHeldPhases = (cfg: ChargerPolicySettings): boolean => chargerGridPhases(cfg.phases, cfg.phaseRotation).some((p) => heldPhases.has(p));
  const overloadedNow = (cfg: ChargerPolicySettings): boolean => chargerGridPhases(cfg.phases, cfg.phaseRotation).some((p) => gridA[p]! > limitA);
  const headroomA = chargerHeadroomA(gridA, chargersA, site);
  const drawing = connected.filter(({ cfg, live }) => live.vehicleConnected && cfg.mode !== 'off');
  const demands: FuseDemand[] = drawing.map(({ cfg, memory }) => ({
    chargerId: cfg.id,
    desiredA: Math.min(wants.get(cfg.id)!.desiredA, onHeldPhases(cfg) ? (memory.limitA ?? 0) : Number.POSITIVE_INFINITY),
    minCurrentA: cfg.minCurrentA,
    phases: cfg.phases,
    priority: cfg.priority,
    turn: turnOf(memory, nowMs),
    ...(cfg.phaseRotation !== undefined ? { rotation: cfg.phaseRotation } : {}),
  }));
  const constraints: FuseConstraint[] = [
    { headroomA },
    ...(settings.circuits ?? []).map((c) => ({ headroomA: [c.maxCurrentA, c.maxCurrentA, c.maxCurrentA] as const, members: new Set(c.chargerIds) })),
  ];
  const allocation = allocateFuseHeadroom(constraints, demands);
  // Phases where a running charger is paused in this tick: nobody there starts before it has ramped down (a turn
  // handed over in one tick would have both cars on the wire for the seconds the ramps take).
  // A running charger on phases whose headroom is not to be trusted (a neighbour ramps) and within the limit keeps
  // its limit: the fuse does not cut or pause on a number that a ramp has made up.
  const holdsOn = (cfg: ChargerPolicySettings, memory: ChargerPolicyState): boolean =>
    onHeldPhases(cfg) && !overloadedNow(cfg) && (memory.limitA ?? 0) > 0 && !(settings.circuits ?? []).some((c) => c.chargerIds.includes(cfg.id));
  const pausingPhases = new Set(connected.flatMap(({ cfg, memory }) =>
    allocation.get(cfg.id)?.paused && (memory.limitA ?? 0) > 0 && !holdsOn(cfg, memory) ? [...chargerGridPhases(cfg.phases, cfg.phaseRotation)] : []));

  for (const { cfg, memory } of connected) {
    const want = wants.get(cfg.id)!;
    const share = allocation.get(cfg.id);
    let currentA: number;
    let reason = want.reason;
    let detail = want.detail;
    if (share !== undefined) {
      currentA = usableCurrentA(share.currentA, cfg);
      const startsNow = currentA > 0 && (memory.limitA ?? 0) === 0;
      if (startsNow && chargerGridPhases(cfg.phases, cfg.phaseRotation).some((p) => pausingPhases.has(p))) {
        currentA = 0;
        reason = 'fuse-paused';
        detail = 'its turn: starting once the charger it replaces has paused';
      } else if (holdsOn(cfg, memory) && currentA < memory.limitA! && usableCurrentA(want.desiredA, cfg) > 0) {
        currentA = Math.min(memory.limitA!, usableCurrentA(want.desiredA, cfg));
        detail = `${want.detail}; holding ${currentA} A while chargers settle on new limits (grid within the fuse limit)`;
        if (currentA < usableCurrentA(want.desiredA, cfg)) reason = 'fuse-limit';
      } else if (share.paused || (want.desiredA > 0 && currentA === 0)) {
        reason = 'fuse-paused';
        detail = `fuse headroom ${formatPhases(headroomA)} A does not fit ${cfg.minCurrentA} A for this charger`;
      } else if (share.limited || currentA < usableCurrentA(want.desiredA, cfg)) {
        reason = 'fuse-limit';
        detail = `${want.detail}; fuse headroom ${formatPhases(headroomA)} A allows ${currentA} A`;
        // A breaker without a meter is guarded by the sum of limits alone: no dead band there.
        const inCircuit = (settings.circuits ?? []).some((c) => c.chargerIds.includes(cfg.id));
        if (!inCircuit) currentA = holdWithinFuseDeadBand(currentA, memory, cfg, gridA, site);
      }
    } else {
      // No car, or mode off: offer what is left so a car plugged in on a fast charger starts without waiting.
      const roomA = leftoverFor(cfg, constraints, demands, allocation);
      currentA = usableCurrentA(Math.min(want.desiredA, roomA), cfg);
    }
    const live = connected.find((c) => c.cfg.id === cfg.id)!.live;
    const notFollowingSinceMs = notFollowingSince(memory, live, nowMs, site.chargerSettleMs);
    const stopTransaction = currentA === 0 && memory.limitA === 0 && notFollowingSinceMs !== undefined &&
      nowMs - notFollowingSinceMs >= site.chargerSettleMs && live.transactionId !== undefined;
    if (stopTransaction) {
      reason = 'not-following';
      detail = `still drawing ${maxPhaseCurrentA(live).toFixed(1)} A ${Math.round((nowMs - notFollowingSinceMs!) / 1000)} s after a 0 A limit: ending the transaction`;
    }
    const safety = reason === 'fuse-limit' || reason === 'fuse-paused' || reason === 'not-following';
    const fusePausedSinceMs = reason === 'fuse-paused' ? memory.fusePausedSinceMs ?? nowMs : undefined;
    if (fusePausedSinceMs !== undefined && nowMs - fusePausedSinceMs > 0) {
      detail += `; waiting ${Math.round((nowMs - fusePausedSinceMs) / 60_000)} min, turns rotate every ${ROTATE_AFTER_MS / 60_000} min among equal priorities`;
    }
    limits.push({ chargerId: cfg.id, currentA, phases: cfg.phases, reason, safety, ...(stopTransaction ? { stopTransaction } : {}) });
    reasons.push({ chargerId: cfg.id, reason, detail });
    next[cfg.id] = { ...remember(want.solar, memory, currentA, nowMs), ...(notFollowingSinceMs !== undefined ? { notFollowingSinceMs } : {}),
      ...(fusePausedSinceMs !== undefined ? { fusePausedSinceMs } : {}) };
  }
  return { limits, next: { chargers: next }, reasons, ...(Object.keys(plans).length > 0 ? { plans } : {}) };
}

/**
 * Least share of the minimum power the sun must give for an assisted solar charge (the rest is grid). At 1/2 every
 * kWh takes as much sun as grid; 3/4 keeps the grid share small (bench: 0.5 captures 98 % of the optimum's surplus but
 * imports 60 % more than the optimum; 0.75 captures ~96 % and imports about what the optimum does).
 */
const ASSISTED_SUN_SHARE = 0.75;

/**
 * Solar thresholds when the sun alone will not bring what the car needs by departure: start on half the minimum power
 * of surplus and hold the minimum while at least half of it is sun (the rest from the grid).
 */
function assistedSolar(solar: PolicySettings['solar'], cfg: ChargerPolicySettings, voltageV: number): PolicySettings['solar'] {
  const gridShareW = (cfg.minCurrentA * cfg.phases * voltageV) * (1 - ASSISTED_SUN_SHARE);
  return { ...solar, enableThresholdW: Math.min(solar.enableThresholdW, -gridShareW), disableThresholdW: Math.max(solar.disableThresholdW, gridShareW) };
}

/** Fuse cuts smaller than this are skipped while no phase is over the limit, A: they are measurement noise. */
const FUSE_DEAD_BAND_A = 1;

/**
 * Keeps the present limit when the fuse asks for a cut smaller than the dead band and the charger's phases are not
 * over the limit right now. Charger meter values lag the grid meter by seconds, so the computed headroom wobbles by
 * a few tenths of an amp; following it would spend a flash write every few seconds on nothing.
 */
function holdWithinFuseDeadBand(currentA: number, memory: ChargerPolicyState, cfg: ChargerPolicySettings,
  gridA: PhaseValues, site: PolicySettings['site']): number {
  const previousA = memory.limitA;
  if (previousA === undefined || previousA <= currentA || previousA - currentA >= FUSE_DEAD_BAND_A) return currentA;
  const limitA = site.mainFuseA - site.safetyMarginA;
  const overloaded = chargerGridPhases(cfg.phases, cfg.phaseRotation).some((p) => gridA[p]! > limitA);
  return overloaded ? currentA : previousA;
}

/** Measured current above the limit that counts as not following it, A (meters and cars are not exact). */
const NOT_FOLLOWING_TOLERANCE_A = 2;

function maxPhaseCurrentA(live: ChargerState): number {
  const currents = live.phaseCurrentsA;
  return currents && currents.length > 0 ? Math.max(...currents) : 0;
}

/**
 * Escalation (safety model 2): a charger measured well above its limit after it had time to settle is not following.
 * The fuse guard already cuts it further each tick (it is never believed below its limit); once it is at 0 A and still
 * draws, the transaction is ended. Returns since when it has not followed, or undefined while it follows.
 */
function notFollowingSince(memory: ChargerPolicyState, live: ChargerState, nowMs: number, settleMs: number): number | undefined {
  if (memory.limitA === undefined || settling(memory, nowMs, settleMs)) return undefined;
  if ((live.measuredAtMs ?? Number.NEGATIVE_INFINITY) < (memory.limitChangedAtMs ?? 0) + settleMs) return memory.notFollowingSinceMs;
  return maxPhaseCurrentA(live) > memory.limitA + NOT_FOLLOWING_TOLERANCE_A ? (memory.notFollowingSinceMs ?? nowMs) : undefined;
}

/** A current the charger can actually apply: 0.1 A steps, and 0 below its minimum. */
function usableCurrentA(currentA: number, cfg: ChargerPolicySettings): number {
  const stepA = cfg.currentStepA ?? 0.1;
  const rounded = roundDownToTenth(Math.floor(Math.max(0, currentA) / stepA + 1e-9) * stepA);
  return rounded < cfg.minCurrentA ? 0 : Math.min(rounded, cfg.maxCurrentA);
}

function remember(solar: ChargerPolicyState, memory: ChargerPolicyState, limitA: number, nowMs: number): ChargerPolicyState {
  const changed = memory.limitA !== limitA;
  return {
    solar: solar.solar,
    solarReason: solar.solarReason,
    solarDetail: solar.solarDetail,
    ...(solar.plan !== undefined ? { plan: solar.plan } : memory.plan !== undefined ? { plan: memory.plan } : {}),
    ...(solar.phaseSwitch !== undefined ? { phaseSwitch: solar.phaseSwitch } : memory.phaseSwitch !== undefined ? { phaseSwitch: memory.phaseSwitch } : {}),
    limitA,
    previousLimitA: changed ? memory.limitA : memory.previousLimitA,
    limitChangedAtMs: changed ? nowMs : memory.limitChangedAtMs,
    ...(limitA > 0 ? { runningSinceMs: memory.limitA !== undefined && memory.limitA > 0 ? memory.runningSinceMs ?? nowMs : nowMs } : {}),
  };
}

/** A charger the fuse has paused this long gets its turn before equal-priority chargers that are running, ms. */
export const ROTATE_AFTER_MS = 15 * 60_000;

/**
 * Who goes first among chargers of equal priority when not all fit (lower first): a charger that has waited at
 * least ROTATE_AFTER_MS (longest waiting first), then the running ones (the one that started last is the next to
 * wait: a brief dip in headroom pauses the charger that just started, not one that has run for long, so the chargers
 * do not take turns at every step of the household load), then the ones paused more recently.
 */
function turnOf(memory: ChargerPolicyState, nowMs: number): readonly [number, number] {
  const pausedSince = memory.fusePausedSinceMs;
  if (pausedSince !== undefined) return nowMs - pausedSince >= ROTATE_AFTER_MS ? [0, pausedSince] : [2, pausedSince];
  return [1, memory.runningSinceMs ?? nowMs];
}

function settling(memory: ChargerPolicyState, nowMs: number, settleMs: number): boolean {
  return memory.limitChangedAtMs !== undefined && nowMs - memory.limitChangedAtMs < settleMs;
}

/**
 * The most current a charger can be drawing, A: while it settles it may still draw its previous limit, afterwards
 * no more than its limit. Counting a charger below its measurement would hide home load and is never done past this.
 */
function believedChargerCurrentA(memory: ChargerPolicyState, nowMs: number, settleMs: number): number {
  if (memory.limitA === undefined) return Number.POSITIVE_INFINITY;
  if (settling(memory, nowMs, settleMs)) return Math.max(memory.limitA, memory.previousLimitA ?? Number.POSITIVE_INFINITY);
  return memory.limitA;
}

/**
 * The current a charger is counted with on one of its phases, A, when working out the rest of the home's load.
 * Charger meter values arrive every 10 s or so, later than the grid meter's: a measurement taken before the last
 * limit had settled tells the old current. While it settles such a reading is replaced by the higher of the old and
 * new limit; once settled it is moved by the change of limit (a car given 8 A instead of 0 A draws about 8 A more);
 * a fresh one is used as it is, but never above the limit.
 */
function countedChargerCurrentA(measuredA: number, memory: ChargerPolicyState, live: ChargerState, nowMs: number, settleMs: number): number {
  const believedA = believedChargerCurrentA(memory, nowMs, settleMs);
  if (memory.limitA === undefined || memory.limitChangedAtMs === undefined) return Math.min(measuredA, believedA);
  if (settling(memory, nowMs, settleMs)) {
    // Taken before the change, the reading says nothing about the ramp: count the most it may draw (the higher of the
    // old and new limit), so that neither a cut nor a raise of its own is mistaken for home load.
    const sinceChange = (live.measuredAtMs ?? Number.NEGATIVE_INFINITY) >= memory.limitChangedAtMs;
    return sinceChange ? Math.min(measuredA, believedA) : believedA === Number.POSITIVE_INFINITY ? measuredA : believedA;
  }
  const fresh = (live.measuredAtMs ?? Number.NEGATIVE_INFINITY) >= memory.limitChangedAtMs + settleMs;
  if (fresh) return Math.min(measuredA, memory.limitA);
  const changeA = memory.limitA - (memory.previousLimitA ?? memory.limitA);
  return Math.max(0, Math.min(memory.limitA, measuredA + changeA));
}

/** How long the fuse waits at most for a measurement that reflects a charger's new limit, ms (MeterValues lag). */
const FUSE_MEASUREMENT_WAIT_MS = 30_000;

/**
 * True while a charger's last limit change is not yet shown by a measurement: within the settle time, and after it
 * until a measurement taken after the change had settled arrives (at most FUSE_MEASUREMENT_WAIT_MS). A charger that
 * sends no measurements is taken as settled after the settle time.
 */
function awaitingMeasurement(memory: ChargerPolicyState, live: ChargerState, nowMs: number, settleMs: number): boolean {
  if (memory.limitA === undefined || memory.limitChangedAtMs === undefined) return false;
  const sinceMs = nowMs - memory.limitChangedAtMs;
  if (sinceMs < settleMs) return true;
  if (live.measuredAtMs === undefined || sinceMs >= FUSE_MEASUREMENT_WAIT_MS) return false;
  return live.measuredAtMs < memory.limitChangedAtMs + settleMs;
}

/** Solar targets move at their cadence, and only on a charger measurement taken after its last limit settled. */
function solarMayMove(memory: ChargerPolicyState, live: ChargerState, nowMs: number, settings: PolicySettings): boolean {
  const last = memory.solar.decidedAtMs;
  if (last !== undefined && nowMs - last < settings.solar.cadenceMs) return false;
  const changedAt = memory.limitChangedAtMs;
  if (changedAt === undefined || memory.limitA === 0) return true;
  if (nowMs - changedAt >= MEASUREMENT_WAIT_LIMIT_MS) return true;
  return (live.measuredAtMs ?? Number.NEGATIVE_INFINITY) >= changedAt + settings.site.chargerSettleMs;
}

/** Current left for one more charger on its phases after the allocation, under every constraint it belongs to, A. */
function leftoverFor(cfg: ChargerPolicySettings, constraints: readonly FuseConstraint[], demands: readonly FuseDemand[],
  allocation: Map<string, { currentA: number }>): number {
  const phases = chargerGridPhases(cfg.phases, cfg.phaseRotation);
  return Math.min(...constraints.filter((c) => c.members === undefined || c.members.has(cfg.id)).flatMap((c) =>
    phases.map((p) => demands.reduce((left, d) =>
      (c.members === undefined || c.members.has(d.chargerId)) && chargerGridPhases(d.phases, d.rotation).includes(p)
        ? left - (allocation.get(d.chargerId)?.currentA ?? 0) : left, c.headroomA[p]!))));
}

function formatPhases(values: PhaseValues): string {
  return values.map((v) => v.toFixed(1)).join('/');
}
