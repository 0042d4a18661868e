/**
 * Planning the parquet fast path (parquet-fast.ts) from a file's schema: which leaf columns to
 * read, how each one's values are written, and the tree of structs and lists that the row writer
 * walks. Anything the fast path does not write exactly as the hyparquet path would — times,
 * JSON/ENUM/UUID/… annotations, MAP, 2-level or bare repeated fields, struct field names that JS
 * objects would reorder or drop — is refused here with a reason, before a byte is read.
 */

/** How a leaf column's values are written. */
export type LeafKind =
  | 'string'
  | 'binary'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'uint64'
  | 'float64'
  | 'float32'
  | 'boolean'
  | 'date'
  | 'timestampMillis'
  | 'timestampMicros'
  | 'timestampNanos'
  | 'decimal32'
  | 'decimal64'
  | 'decimalBytes'
  | 'float16'
  | 'int96';

const LEAF_KINDS = new Set<string>([
  'string',
  'binary',
  'int32',
  'uint32',
  'int64',
  'uint64',
  'float64',
  'float32',
  'boolean',
  'date',
  'timestampMillis',
  'timestampMicros',
  'timestampNanos',
  'decimal32',
  'decimal64',
  'decimalBytes',
  'float16',
  'int96',
]);

/** Kinds whose values are byte ranges of the page data (`starts`/`lengths`). */
export const BYTE_RANGE_KINDS = new Set<LeafKind>(['string', 'binary', 'decimalBytes', 'float16', 'int96']);
/** Kinds stored as 64-bit integers (`bigints`). */
export const BIGINT_KINDS = new Set<LeafKind>(['int64', 'uint64', 'decimal64', 'timestampMillis', 'timestampMicros', 'timestampNanos']);

/** One leaf column to read. */
export interface LeafSpec {
  kind: LeafKind;
  /** DECIMAL: 10 ** -scale (hyparquet writes Number(unscaled) * this). */
  decimalFactor: number;
  /** Bytes of each value for FIXED_LEN_BYTE_ARRAY (type_length) and INT96 (12), else 0. */
  fixedWidth: number;
  /** The parquet physical type. */
  physicalType: string;
  path: string[];
  maxDefinitionLevel: number;
  maxRepetitionLevel: number;
}

interface NodeBase {
  /** Definition level of this node when present. */
  definitionLevel: number;
  optional: boolean;
  /** The first leaf below (its levels say whether this node is null or empty). */
  firstLeaf: number;
  /** Every leaf below, in schema order. */
  leaves: number[];
}
/** A column or struct field holding one value. */
export interface LeafNode extends NodeBase {
  kind: 'leaf';
  leaf: number;
}
/** A struct: its fields in schema order, each with its `"name":` bytes. */
export interface StructNode extends NodeBase {
  kind: 'struct';
  fieldKeys: Uint8Array[];
  fields: OutputNode[];
}
/** A standard 3-level list. */
export interface ListNode extends NodeBase {
  kind: 'list';
  /** Definition level of a present element slot (below it: an empty list). */
  elementDefinitionLevel: number;
  repetitionLevel: number;
  element: OutputNode;
}
/** A node of a top-level column's schema, as the row writer walks it. */
export type OutputNode = LeafNode | StructNode | ListNode;

/** What every row group of a file shares, for the fast path. */
export interface FastPlan {
  leaves: LeafSpec[];
  /** One node per kept top-level column, in output order. */
  columns: OutputNode[];
  /** Per kept column: `{"name":` / `,"name":` bytes. */
  columnKeys: Uint8Array[];
  /** Per kept column: JSON.stringify (plain) semantics — a null struct/list field is left out of its object. */
  plain: boolean[];
  /** Top-level names (path_in_schema[0]) of the leaves to read. */
  columnNames: Set<string>;
  /** Escape strings with the WebAssembly escaper (else the JavaScript loop; the same bytes). */
  wasmEscaper: boolean;
}

/** A node of hyparquet's schema tree (`parquetSchema`). */
export interface SchemaNode {
  element: {
    name: string;
    type?: string;
    type_length?: number;
    scale?: number;
    repetition_type?: string;
    converted_type?: string;
    logical_type?: { type: string; bitWidth?: number; isSigned?: boolean; unit?: string };
    num_children?: number;
  };
  children: SchemaNode[];
}

const encoder = new TextEncoder();

// As hyparquet's `convert` decides (its order: DECIMAL, DATE, TIMESTAMP_MILLIS/MICROS by converted
// type, unsigned integers, then the TIMESTAMP logical type), for what the fast path writes.
// Returns the kind, or a description of what is not supported.
function leafKind(e: SchemaNode['element']): LeafKind | string {
  const ct = e.converted_type;
  const lt = e.logical_type;
  if (e.type === 'FIXED_LEN_BYTE_ARRAY' || e.type === 'BYTE_ARRAY') {
    if (ct === 'DECIMAL') return 'decimalBytes';
    if (e.type === 'FIXED_LEN_BYTE_ARRAY') {
      if (ct === undefined && lt === undefined) return 'binary';
      if (ct === undefined && lt?.type === 'FLOAT16') return 'float16';
      return `FIXED_LEN_BYTE_ARRAY ${ct ?? lt?.type}`;
    }
  }
  if (e.type === 'INT96') return ct === undefined && lt === undefined ? 'int96' : `INT96 ${ct ?? lt?.type}`;
  if (e.type === 'INT32' || e.type === 'INT64') {
    const wide = e.type === 'INT64';
    if (ct === 'DECIMAL') return wide ? 'decimal64' : 'decimal32';
    if (ct === 'DATE' && !wide) return 'date';
    if (wide && ct === 'TIMESTAMP_MILLIS') return 'timestampMillis';
    if (wide && ct === 'TIMESTAMP_MICROS') return 'timestampMicros';
    if (wide && ct === undefined && lt?.type === 'TIMESTAMP') return lt.unit === 'NANOS' ? 'timestampNanos' : lt.unit === 'MICROS' ? 'timestampMicros' : 'timestampMillis';
  }
  switch (e.type) {
    case 'BYTE_ARRAY':
      if (ct === undefined && lt === undefined) return 'binary';
      if ((ct === undefined || ct === 'UTF8') && (lt === undefined || lt.type === 'STRING')) return 'string';
      return `BYTE_ARRAY ${ct ?? lt?.type}`;
    case 'INT32': {
      if (lt !== undefined && (lt.type !== 'INTEGER' || lt.bitWidth === 64)) return `INT32 ${lt.type}`;
      if (ct !== undefined && !['INT_8', 'INT_16', 'INT_32', 'UINT_8', 'UINT_16', 'UINT_32'].includes(ct)) return `INT32 ${ct}`;
      const unsigned = ct === 'UINT_32' || (lt?.type === 'INTEGER' && lt.bitWidth === 32 && !lt.isSigned);
      return unsigned ? 'uint32' : 'int32';
    }
    case 'INT64': {
      if (lt !== undefined && (lt.type !== 'INTEGER' || lt.bitWidth !== 64)) return `INT64 ${lt.type}`;
      if (ct !== undefined && ct !== 'INT_64' && ct !== 'UINT_64') return `INT64 ${ct}`;
      const unsigned = ct === 'UINT_64' || (lt?.type === 'INTEGER' && !lt.isSigned);
      return unsigned ? 'uint64' : 'int64';
    }
    case 'BOOLEAN':
    case 'FLOAT':
    case 'DOUBLE':
      if (ct !== undefined || lt !== undefined) return `${e.type} ${ct ?? lt?.type}`;
      return e.type === 'BOOLEAN' ? 'boolean' : e.type === 'FLOAT' ? 'float32' : 'float64';
    default:
      return String(e.type);
  }
}

const INDEX_LIKE = /^(0|[1-9][0-9]*)$/;

/** Options of `planFast`. */
export interface PlanOptions {
  /** Escape strings with the WebAssembly escaper (default true; false: the JavaScript loop, same bytes). */
  wasmEscaper?: boolean;
}

/**
 * Plan the fast path for these top-level columns, or say why it cannot be used (the reason is
 * for stats and debugging). `plain[i]`: the hyparquet path writes column i with JSON.stringify.
 */
export function planFast(root: SchemaNode, columnNames: readonly string[], plain: readonly boolean[], options: PlanOptions = {}): FastPlan | string {
  const leaves: LeafSpec[] = [];
  const columns: OutputNode[] = [];
  if (columnNames.length === 0) return 'no columns';
  if (new Set(columnNames).size !== columnNames.length) return 'duplicate column names';
  const build = (n: SchemaNode, path: string[], parentDef: number, rep: number): OutputNode | string => {
    const e = n.element;
    const r = e.repetition_type;
    if (r !== 'REQUIRED' && r !== 'OPTIONAL') return `${path.join('.')}: repetition ${r}`;
    const optional = r === 'OPTIONAL';
    const def = parentDef + (optional ? 1 : 0);
    if (n.children.length === 0) {
      const kind = leafKind(e);
      if (!LEAF_KINDS.has(kind)) return `${path.join('.')}: ${kind}`;
      const index = leaves.length;
      const fixedWidth = e.type === 'INT96' ? 12 : e.type === 'FIXED_LEN_BYTE_ARRAY' ? Number(e.type_length) : 0;
      if (e.type === 'FIXED_LEN_BYTE_ARRAY' && !(fixedWidth > 0)) return `${path.join('.')}: FIXED_LEN_BYTE_ARRAY without a length`;
      // A footer field of another type (a BigInt where an i32 belongs, found by a long property
      // run) must not reach arithmetic: an unusable scale leaves the column to hyparquet.
      const scale = Number(e.scale ?? 0);
      if (!Number.isInteger(scale) || scale < 0 || scale > 76) return `${path.join('.')}: decimal scale ${String(e.scale)} out of range`;
      leaves.push({
        kind: kind as LeafKind,
        decimalFactor: 10 ** -scale,
        fixedWidth,
        physicalType: String(e.type),
        path,
        maxDefinitionLevel: def,
        maxRepetitionLevel: rep,
      });
      return { kind: 'leaf', leaf: index, definitionLevel: def, optional, firstLeaf: index, leaves: [index] };
    }
    const ct = e.converted_type;
    const lt = e.logical_type?.type;
    if (ct === 'LIST') {
      // Only the standard 3-level list: LIST group { repeated group { one non-repeated element } }.
      const middle = n.children[0];
      if (n.children.length !== 1 || middle.element.repetition_type !== 'REPEATED' || middle.children.length !== 1) return `${path.join('.')}: not a 3-level list`;
      if (lt !== undefined && lt !== 'LIST') return `${path.join('.')}: LIST with logical type ${lt}`;
      const item = middle.children[0];
      const element = build(item, [...path, middle.element.name, item.element.name], def + 1, rep + 1);
      if (typeof element === 'string') return element;
      return {
        kind: 'list',
        definitionLevel: def,
        optional,
        firstLeaf: element.firstLeaf,
        leaves: element.leaves,
        elementDefinitionLevel: def + 1,
        repetitionLevel: rep + 1,
        element,
      };
    }
    if (ct !== undefined || lt !== undefined) return `${path.join('.')}: group ${ct ?? lt}`;
    const names = n.children.map((c) => c.element.name);
    if (new Set(names).size !== names.length || names.some((k) => k === '__proto__' || INDEX_LIKE.test(k)))
      return `${path.join('.')}: struct field names a JS object would reorder or drop`;
    const fields: OutputNode[] = [];
    for (const c of n.children) {
      const x = build(c, [...path, c.element.name], def, rep);
      if (typeof x === 'string') return x;
      fields.push(x);
    }
    const all = fields.flatMap((c) => c.leaves);
    return {
      kind: 'struct',
      definitionLevel: def,
      optional,
      firstLeaf: all[0],
      leaves: all,
      fieldKeys: names.map((k) => encoder.encode(`${JSON.stringify(k)}:`)),
      fields,
    };
  };
  for (const c of columnNames) {
    const n = root.children.find((x) => x.element.name === c);
    if (!n) return `no column ${c}`;
    const x = build(n, [c], 0, 0);
    if (typeof x === 'string') return x;
    columns.push(x);
  }
  if (leaves.some((l) => l.maxDefinitionLevel > 250 || l.maxRepetitionLevel > 250)) return 'nesting too deep';
  return {
    leaves,
    columns,
    columnKeys: columnNames.map((c, j) => encoder.encode(`${j === 0 ? '{' : ','}${JSON.stringify(c)}:`)),
    plain: [...plain],
    columnNames: new Set(columnNames),
    wasmEscaper: options.wasmEscaper !== false,
  };
}
