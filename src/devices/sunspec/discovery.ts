/**
 * SunSpec discovery: find the "SunS" marker at one of the well-known bases and walk the model chain (ID, L, then
 * L more registers) up to the end marker 0xFFFF. Addresses are protocol addresses (manuals' "40001" is 40000).
 * Chains that break (an exception or nonsense mid-way; some Kostal firmware) keep the models read so far.
 */
import { ModelCatalog, instantiateModel } from './model-definitions.ts';
import { decodePoint } from './point-codec.ts';
import { ModbusError } from '../modbus/modbus-link.ts';

export const SUNSPEC_BASE_ADDRESSES = [40000, 0, 50000] as const;
/** "SunS" as two registers. */
export const SUNSPEC_MARKER = [0x5375, 0x6e53] as const;
export const SUNSPEC_END_MODEL_ID = 0xffff;

/** What discovery and the meter need from a link (ModbusLink satisfies it). */
export interface HoldingRegisterReader {
  readonly endpoint: string;
  readHoldingRegisters(unit: number, address: number, count: number, signal?: AbortSignal): Promise<number[]>;
}

export interface SunSpecModelRef {
  id: number;
  /** Address of the model's ID register. */
  address: number;
  /** L: registers after the L register. */
  length: number;
}

export interface SunSpecChain {
  baseAddress: number;
  models: SunSpecModelRef[];
  /** False when the walk stopped before the end marker; `problem` says why. */
  complete: boolean;
  problem?: string;
}

export interface CommonModelInfo {
  manufacturer?: string;
  model?: string;
  options?: string;
  version?: string;
  serial?: string;
}

/** Exceptions that mean the registers do not exist: illegal function, address or value. */
const NO_SUCH_REGISTER = new Set([1, 2, 3]);

/** More models than any real device chains; stops a walk through garbage that never hits 0xFFFF. */
const MAX_MODELS = 64;

/**
 * Finds and walks the chain. Rejects when no base answers "SunS", or when the link fails (timeout, closed
 * connection) before any model was read: an unreachable device is not a device without SunSpec.
 */
export async function discoverSunSpec(
  reader: HoldingRegisterReader,
  unit: number,
  options: { bases?: readonly number[]; signal?: AbortSignal } = {},
): Promise<SunSpecChain> {
  const bases = options.bases ?? SUNSPEC_BASE_ADDRESSES;
  for (const base of bases) {
    let header: number[];
    try {
      header = await reader.readHoldingRegisters(unit, base, 2, options.signal);
    } catch (error) {
      // "No such register here" means: try the next base. A failing or busy device (exception 4, 6, a gateway's
      // 10/11) says nothing about SunSpec and must not read as "no SunSpec".
      if (isException(error) && NO_SUCH_REGISTER.has((error as ModbusError).modbusCode ?? 0)) continue;
      throw error;
    }
    if (header[0] === SUNSPEC_MARKER[0] && header[1] === SUNSPEC_MARKER[1]) return walkChain(reader, unit, base, options.signal);
  }
  throw new Error(`${reader.endpoint} unit ${unit}: no SunSpec marker ("SunS") at ${bases.join(', ')}`);
}

async function walkChain(reader: HoldingRegisterReader, unit: number, base: number, signal?: AbortSignal): Promise<SunSpecChain> {
  const models: SunSpecModelRef[] = [];
  const broken = (problem: string): SunSpecChain => ({ baseAddress: base, models, complete: false, problem });
  let address = base + 2;
  while (models.length < MAX_MODELS) {
    let header: number[];
    try {
      // ID and L in one request; the end model may have no L register, so fall back to the ID alone.
      header = address + 2 <= 0x10000 ? await reader.readHoldingRegisters(unit, address, 2, signal) : [];
    } catch (error) {
      if (!isException(error) && !(isTimeout(error) && models.length > 0)) throw error;
      try {
        header = await reader.readHoldingRegisters(unit, address, 1, signal);
      } catch (second) {
        if (!isException(second) && !(isTimeout(second) && models.length > 0)) throw second;
        return broken(`chain breaks at ${address}: ${messageOf(second)}`);
      }
    }
    const [id, length] = header;
    if (id === SUNSPEC_END_MODEL_ID) return { baseAddress: base, models, complete: true };
    if (id === undefined || id === 0) return broken(`chain breaks at ${address}: no model id`);
    if (length === undefined || address + 2 + length > 0x10000) return broken(`chain breaks at ${address}: model ${id} has no valid length`);
    models.push({ id, address, length });
    address += length + 2;
  }
  return broken(`more than ${MAX_MODELS} models: no end marker`);
}

/** The first model in chain order whose id is one of `ids`. */
export function findModel(chain: SunSpecChain, ids: readonly number[]): SunSpecModelRef | undefined {
  return chain.models.find((m) => ids.includes(m.id));
}

/** Reads the common model (1): manufacturer Mn, model Md, options Opt, version Vr, serial SN. */
export async function readCommonModel(
  reader: HoldingRegisterReader,
  unit: number,
  ref: SunSpecModelRef,
  options: { catalog?: ModelCatalog; signal?: AbortSignal } = {},
): Promise<CommonModelInfo> {
  if (ref.id !== 1) throw new Error(`model ${ref.id} is not the common model`);
  const layout = instantiateModel((options.catalog ?? new ModelCatalog()).get(1), ref.length);
  const last = layout.point('SN');
  if (last === undefined) throw new Error(`${reader.endpoint} unit ${unit}: common model too short (L=${ref.length})`);
  const registers = await reader.readHoldingRegisters(unit, ref.address, last.offset + last.size, options.signal);
  const text = (name: string): string | undefined => {
    const point = layout.point(name);
    const value = point === undefined ? undefined : decodePoint(point.type, registers, point.offset, point.size);
    return typeof value === 'string' ? value : undefined;
  };
  const info: CommonModelInfo = {};
  const fields = { manufacturer: 'Mn', model: 'Md', options: 'Opt', version: 'Vr', serial: 'SN' } as const;
  for (const [key, name] of Object.entries(fields) as [keyof CommonModelInfo, string][]) {
    const value = text(name);
    if (value !== undefined) info[key] = value;
  }
  return info;
}

function isException(error: unknown): boolean {
  return error instanceof ModbusError && error.kind === 'exception';
}

function isTimeout(error: unknown): boolean {
  return error instanceof ModbusError && error.kind === 'timeout';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
