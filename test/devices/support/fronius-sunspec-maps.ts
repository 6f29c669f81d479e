/** Register maps of a Fronius Symo and Smart Meter written word by word, so that our encoder cannot agree with our decoder by mistake. */
// Hand-built words, as in test/devices/sunspec-pymodbus.test.ts: ASCII two bytes per register, big-endian.
const ascii = (text: string, registers: number): number[] => {
  const bytes = [...text].map((c) => c.charCodeAt(0)).concat(new Array<number>(registers * 2).fill(0)).slice(0, registers * 2);
  return Array.from({ length: registers }, (_, i) => (bytes[2 * i] ?? 0) * 256 + (bytes[2 * i + 1] ?? 0));
};
const block = (length: number, entries: [number, number[]][]): number[] => {
  const words = new Array<number>(length).fill(0);
  for (const [offset, values] of entries) values.forEach((v, i) => (words[offset + i] = v));
  return words;
};

/** A Fronius Symo in int+SF mode on unit 1: common model (L=66), model 103 with W = 12345 × 10^-1 = 1234.5 W. */
export const froniusInverterMap: [number, number[]][] = [
  [40000, [0x5375, 0x6e53]],
  [40002, [1, 66, ...ascii('Fronius', 16), ...ascii('Symo 10.0-3-M', 16), ...ascii('', 8), ...ascii('3.14.1-10', 8), ...ascii('31234567', 16), 1, 0]],
  // 103: A 2, AphA-C 3-5, A_SF 6, PhV 10-12, V_SF 13, W 14, W_SF 15, WH 24-25, WH_SF 26, St 38.
  [40070, block(52, [[0, [103, 50]], [2, [1790, 597, 596, 597, 0xfffe]], [10, [2301, 2312, 2299, 0xffff]], [14, [12345, 0xffff]],
    [24, [0x0075, 0xbcd1, 0]], [38, [4]]])],
  [40122, [0xffff, 0]],
];

/** A Fronius Smart Meter in float mode on unit 240: model 213, W at offset 28 = -2345.5 W (export). */
export const froniusMeterMap: [number, number[]][] = [
  [40000, [0x5375, 0x6e53]],
  [40002, [1, 66, ...ascii('Fronius', 16), ...ascii('Smart Meter 63A', 16), ...ascii('', 8), ...ascii('2.9', 8), ...ascii('12345678', 16), 240, 0]],
  // float32 words by hand: -2345.5 = 0xC5129800, -800 = 0xC4480000, -745.5 = 0xC43A6000, 230.5 = 0x43668000.
  [40070, block(126, [[0, [213, 124]], [12, [0x4366, 0x8000, 0x4366, 0x8000, 0x4366, 0x8000]],
    [28, [0xc512, 0x9800, 0xc448, 0x0000, 0xc448, 0x0000, 0xc43a, 0x6000]]])],
  [40196, [0xffff, 0]],
];

