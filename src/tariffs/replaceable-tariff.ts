import type { SiteTariff, TariffOutlook } from './site-tariff.ts';
import type { TariffConfig } from './tariff-config.ts';

/**
 * The site's tariff behind a stable reference, so that a tariff changed in the settings takes effect without a
 * restart: everyone holding this object (the control loop, session accounting, the state) reads the new prices as
 * soon as the new tariff has started. The old one stops after the switch.
 */
export class ReplaceableTariff implements SiteTariff {
  private inner: SiteTariff;

  constructor(private readonly build: (config: TariffConfig | undefined) => SiteTariff, config: TariffConfig | undefined) {
    this.inner = build(config);
  }

  get currency(): string | undefined {
    return this.inner.currency;
  }

  get grid(): SiteTariff['grid'] {
    return this.inner.grid;
  }

  get feedIn(): SiteTariff['feedIn'] {
    return this.inner.feedIn;
  }

  start(): Promise<void> {
    return this.inner.start();
  }

  stop(): void {
    this.inner.stop();
  }

  refresh(): Promise<void> {
    return this.inner.refresh();
  }

  outlook(nowMs: number, horizonMs?: number): TariffOutlook {
    return this.inner.outlook(nowMs, horizonMs);
  }

  /** Builds and starts the new tariff (caches read, fetches scheduled), then switches to it. */
  async replace(config: TariffConfig | undefined): Promise<void> {
    const next = this.build(config);
    await next.start();
    const old = this.inner;
    this.inner = next;
    old.stop();
  }
}
