/**
 * The safetensors format (https://github.com/huggingface/safetensors): an 8-byte little-endian
 * header length, a JSON header (dtype, shape and byte range of each tensor, plus optional string
 * metadata), then the raw little-endian data. Loading reads each tensor's bytes straight into
 * the tensor's own memory (one read, no intermediate copy).
 * @module
 */
import { closeSync, fstatSync, openSync, readSync, renameSync, writeSync } from 'node:fs';
import { empty } from './creation.js';
import { type DType, ELEMENT_SIZE } from './dtype.js';
import type { Tensor } from './tensor.js';

/** Tensors by name, in PyTorch's state-dict naming (`layer1.0.conv1.weight`). */
export type StateDict = Record<string, Tensor>;

const TO_DTYPE: Record<string, DType> = {
  F64: 'float64', F32: 'float32', F16: 'float16', BF16: 'bfloat16', I64: 'int64', I32: 'int32', I16: 'int16',
  I8: 'int8', U8: 'uint8', BOOL: 'bool',
};
const FROM_DTYPE = Object.fromEntries(Object.entries(TO_DTYPE).map(([k, v]) => [v, k])) as Record<DType, string>;

interface Entry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

interface Header {
  metadata: Record<string, string>;
  entries: [string, Entry][];
  dataStart: number;
  fileSize: number;
}

function readHeader(fd: number, path: string): Header {
  const fileSize = fstatSync(fd).size;
  const lenBuf = Buffer.alloc(8);
  if (fileSize < 8 || readSync(fd, lenBuf, 0, 8, 0) !== 8) throw new Error(`${path} is not a safetensors file: it is shorter than 8 bytes`);
  const len = Number(lenBuf.readBigUInt64LE(0));
  if (len <= 0 || 8 + len > fileSize || len > 100 * 1024 * 1024) {
    throw new Error(`${path} is not a safetensors file (or is truncated): header length ${len} does not fit its ${fileSize} bytes`);
  }
  const json = Buffer.alloc(len);
  readSync(fd, json, 0, len, 8);
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(json.toString('utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`${path} is not a safetensors file: its header is not JSON (${(e as Error).message})`, { cause: e });
  }
  const metadata = (parsed.__metadata__ ?? {}) as Record<string, string>;
  const entries = Object.entries(parsed).filter(([k]) => k !== '__metadata__') as [string, Entry][];
  return { metadata, entries, dataStart: 8 + len, fileSize };
}

function withFile<T>(path: string, flags: string, fn: (fd: number) => T): T {
  let fd: number;
  try {
    fd = openSync(path, flags);
  } catch (e) {
    throw new Error(`cannot open ${path}: ${(e as Error).message}`, { cause: e });
  }
  try {
    return fn(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Loads every tensor of a safetensors file (on the CPU).
 * @example
 * const sd = torch.loadSafetensors('resnet18.safetensors'); sd['conv1.weight'].shape // [64, 3, 7, 7]
 */
export function loadSafetensors(path: string): StateDict {
  return withFile(path, 'r', (fd) => {
    const { entries, dataStart, fileSize } = readHeader(fd, path);
    const out: StateDict = {};
    for (const [name, e] of entries) {
      const dtype = TO_DTYPE[e.dtype];
      if (!dtype) throw new Error(`${path}: tensor '${name}' has dtype ${e.dtype}, which fastai-ts cannot load (supported: ${Object.keys(TO_DTYPE).join(', ')})`);
      const [begin, end] = e.data_offsets;
      if (dataStart + end > fileSize || end < begin) {
        throw new Error(`${path}: tensor '${name}' lies at bytes ${begin}..${end} past the end of the file (truncated download?)`);
      }
      const t = empty(e.shape, { dtype });
      const view = t.dataView();
      const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
      if (bytes.byteLength !== end - begin) {
        t.dispose();
        throw new Error(`${path}: tensor '${name}' has ${end - begin} bytes but shape [${e.shape}] of ${e.dtype} needs ${bytes.byteLength}`);
      }
      let done = 0;
      while (done < bytes.byteLength) done += readSync(fd, bytes, done, bytes.byteLength - done, dataStart + begin + done);
      out[name] = t;
    }
    return out;
  });
}

/** The string metadata (`__metadata__`) of a safetensors file, without loading its tensors. */
export function safetensorsMetadata(path: string): Record<string, string> {
  return withFile(path, 'r', (fd) => readHeader(fd, path).metadata);
}

/**
 * Writes tensors (and optional string metadata) to a safetensors file. The file is written
 * under a temporary name and renamed, so a crash never leaves a half-written file at `path`.
 */
export function saveSafetensors(path: string, tensors: StateDict, metadata: Record<string, string> = {}): void {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  const names = Object.keys(tensors);
  const sources: Tensor[] = [];
  let offset = 0;
  for (const name of names) {
    const t = tensors[name]!;
    const src = t.detach().contiguous().cpu();
    sources.push(src);
    const size = src.numel() * ELEMENT_SIZE[src.dtype];
    header[name] = { dtype: FROM_DTYPE[src.dtype], shape: src.shape, data_offsets: [offset, offset + size] };
    offset += size;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8); // data starts 8-byte aligned
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    withFile(tmp, 'w', (fd) => {
      const len = Buffer.alloc(8);
      len.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
      writeSync(fd, len);
      writeSync(fd, json);
      for (const src of sources) {
        const view = src.dataView();
        writeSync(fd, new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
      }
    });
    renameSync(tmp, path);
  } finally {
    for (const s of sources) s.dispose();
  }
}
