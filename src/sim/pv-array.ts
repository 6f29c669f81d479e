import { dayNumber, seededRandom } from './seeded-random.ts';

export interface PvArrayOptions {
  peakW: number;
  latitudeDeg: number;
  longitudeDeg: number;
  seed: number;
  /** Share of the day with a cloud in front of the sun, 0..1. */
  cloudiness: number;
}

interface Cloud {
  startMs: number;
  endMs: number;
  /** Share of the direct sun the cloud takes away, 0..1. */
  depth: number;
}

/**
 * Simulated PV output: a clear-sky irradiance curve for the site's position (solar zenith from the date and the
 * longitude, Haurwitz clear-sky model), scaled to the array's peak power, with passing clouds drawn from a seeded
 * schedule per day. Only for the demo and tests; real PV comes from the inverter.
 */
export class PvArray {
  private readonly cloudsByDay = new Map<number, Cloud[]>();

  constructor(private readonly options: PvArrayOptions) {}

  powerW(atMs: number): number {
    const ghi = clearSkyIrradianceWm2(atMs, this.options.latitudeDeg, this.options.longitudeDeg);
    const shade = this.cloudsFor(atMs).reduce((worst, c) => atMs >= c.startMs && atMs < c.endMs ? Math.max(worst, c.depth) : worst, 0);
    return Math.round(this.options.peakW * (ghi / 1000) * (1 - shade) * 0.9);
  }

  private cloudsFor(atMs: number): Cloud[] {
    const day = dayNumber(atMs);
    let clouds = this.cloudsByDay.get(day);
    if (!clouds) {
      clouds = [];
      const random = seededRandom(this.options.seed * 7919 + day);
      const dayStart = day * 86_400_000;
      let t = dayStart;
      while (t < dayStart + 86_400_000) {
        const gapMs = (2 + random() * 20) * 60_000 * (1 - this.options.cloudiness) * 2;
        const lengthMs = (0.5 + random() * 6) * 60_000;
        t += gapMs;
        clouds.push({ startMs: t, endMs: t + lengthMs, depth: 0.3 + random() * 0.6 });
        t += lengthMs;
      }
      this.cloudsByDay.set(day, clouds);
      if (this.cloudsByDay.size > 3) this.cloudsByDay.delete(this.cloudsByDay.keys().next().value!);
    }
    return clouds;
  }
}

/** Global horizontal irradiance under a clear sky, W/m², from the solar zenith angle (Haurwitz). */
export function clearSkyIrradianceWm2(atMs: number, latitudeDeg: number, longitudeDeg: number): number {
  const cosZenith = Math.cos(solarZenithRad(atMs, latitudeDeg, longitudeDeg));
  if (cosZenith <= 0.01) return 0;
  return 1098 * cosZenith * Math.exp(-0.059 / cosZenith);
}

function solarZenithRad(atMs: number, latitudeDeg: number, longitudeDeg: number): number {
  const date = new Date(atMs);
  const startOfYear = Date.UTC(date.getUTCFullYear(), 0, 1);
  const dayOfYear = Math.floor((atMs - startOfYear) / 86_400_000) + 1;
  const utcHours = date.getUTCHours() + date.getUTCMinutes() / 60 + date.getUTCSeconds() / 3600;
  const gamma = (2 * Math.PI / 365) * (dayOfYear - 1 + (utcHours - 12) / 24);
  const declination = 0.006918 - 0.399912 * Math.cos(gamma) + 0.070257 * Math.sin(gamma) - 0.006758 * Math.cos(2 * gamma)
    + 0.000907 * Math.sin(2 * gamma) - 0.002697 * Math.cos(3 * gamma) + 0.00148 * Math.sin(3 * gamma);
  const equationOfTimeMin = 229.18 * (0.000075 + 0.001868 * Math.cos(gamma) - 0.032077 * Math.sin(gamma)
    - 0.014615 * Math.cos(2 * gamma) - 0.040849 * Math.sin(2 * gamma));
  const solarMinutes = utcHours * 60 + equationOfTimeMin + 4 * longitudeDeg;
  const hourAngle = ((solarMinutes / 4) - 180) * Math.PI / 180;
  const lat = latitudeDeg * Math.PI / 180;
  const cosZenith = Math.sin(lat) * Math.sin(declination) + Math.cos(lat) * Math.cos(declination) * Math.cos(hourAngle);
  return Math.acos(Math.max(-1, Math.min(1, cosZenith)));
}
