import { getAddress, type ParamType } from "ethers";

/**
 * A small ABI decoder for large view results: static types, strings and bytes, tuples and arrays, into plain objects
 * keyed by the components' names. ethers' generic decoder builds a `Result` per tuple and copies every word, which
 * takes seconds for the lens's 200-token page in a browser; this reads the hex in place (about a hundred times
 * faster). It follows the ABI specification's head/tail layout; a test checks it against ethers on the lens's output.
 */

type Decoded = bigint | boolean | string | Decoded[] | { [name: string]: Decoded };

const WORD = 64; // hex characters

class HexReader {
  constructor(private readonly hex: string) {}

  word(at: number): string {
    const start = at * 2;
    if (start + WORD > this.hex.length) throw new RangeError(`ABI data too short: word at byte ${at}`);
    return this.hex.slice(start, start + WORD);
  }

  uint(at: number): bigint {
    return BigInt(`0x${this.word(at)}`);
  }

  /** A byte offset or a length, as a number. */
  index(at: number): number {
    const value = this.uint(at);
    if (value > BigInt(this.hex.length)) throw new RangeError(`ABI offset or length out of range at byte ${at}`);
    return Number(value);
  }

  bytes(at: number): string {
    const length = this.index(at);
    const start = (at + 32) * 2;
    if (start + length * 2 > this.hex.length) throw new RangeError(`ABI bytes out of range at byte ${at}`);
    return this.hex.slice(start, start + length * 2);
  }
}

/** True when `type` has a dynamic encoding (lives in the tail, referenced by an offset). */
function isDynamic(type: ParamType): boolean {
  if (type.baseType === "string" || type.baseType === "bytes") return true;
  if (type.baseType === "array") return type.arrayLength === -1 || isDynamic(type.arrayChildren!);
  if (type.baseType === "tuple") return type.components!.some(isDynamic);
  return false;
}

/** Words a static type takes in a head. */
function headWords(type: ParamType): number {
  if (isDynamic(type)) return 1;
  if (type.baseType === "tuple") return type.components!.reduce((n, c) => n + headWords(c), 0);
  if (type.baseType === "array") return type.arrayLength! * headWords(type.arrayChildren!);
  return 1;
}

const utf8 = new TextDecoder();

function decodeValue(reader: HexReader, type: ParamType, at: number): Decoded {
  switch (type.baseType) {
    case "tuple":
      return decodeSequence(reader, type.components!, at, (values) =>
        Object.fromEntries(type.components!.map((c, i) => [c.name || String(i), values[i]])),
      );
    case "array": {
      const child = type.arrayChildren!;
      const fixed = type.arrayLength !== -1;
      const length = fixed ? type.arrayLength! : reader.index(at);
      const start = fixed ? at : at + 32;
      return decodeSequence(reader, Array<ParamType>(length).fill(child), start, (values) => values);
    }
    case "string":
      return utf8.decode(Uint8Array.from(reader.bytes(at).match(/../g) ?? [], (h) => parseInt(h, 16)));
    case "bytes":
      return `0x${reader.bytes(at)}`;
    case "address":
      return getAddress(`0x${reader.word(at).slice(24)}`);
    case "bool":
      return reader.uint(at) !== 0n;
    default: {
      const value = reader.uint(at);
      if (type.baseType.startsWith("int")) return BigInt.asIntN(Number(type.baseType.slice(3) || 256), value);
      if (type.baseType.startsWith("uint")) return value;
      if (type.baseType.startsWith("bytes")) return `0x${reader.word(at).slice(0, Number(type.baseType.slice(5)) * 2)}`;
      throw new Error(`the fast ABI decoder does not read ${type.format()}`);
    }
  }
}

/** A head (static values inline, dynamic ones as offsets from `start`) followed by the tails. */
function decodeSequence<T>(
  reader: HexReader,
  types: readonly ParamType[],
  start: number,
  build: (values: Decoded[]) => T,
): T {
  const values: Decoded[] = [];
  let head = start;
  for (const type of types) {
    values.push(decodeValue(reader, type, isDynamic(type) ? start + reader.index(head) : head));
    head += headWords(type) * 32;
  }
  return build(values);
}

/** Decodes `data` (a call's return data) of the `types` of a function's outputs, as plain values. */
export function decodeAbi(types: readonly ParamType[], data: string): Decoded[] {
  const reader = new HexReader(data.startsWith("0x") ? data.slice(2) : data);
  return decodeSequence(reader, [...types], 0, (values) => values);
}
