/**
 * The ONNX model of the native engine, written as protobuf bytes in code (no model file): one
 * `MatMulInteger` node, Y = (A − a_zero_point)·B with A uint8 [rows, n], B int8 [n, n], Y int32.
 * The engine feeds A + 128 (as uint8) and a_zero_point = 128, so Y = A·B exactly: the kernel
 * computes (A+128)·B and subtracts 128·1ᵀB (the column sums of B), all in int32
 * (|(A+128)·B| ≤ n·255·128 < 2^31 for n ≤ 2^16).
 *
 * A second input `BT` (int8 [n, n], Bᵀ as the PRG lays it out) goes through a `Transpose` node, so
 * the engine hands ORT the bytes it has and the transpose runs in native code.
 *
 * Only the protobuf fields used here are encoded (onnx.proto3 numbers): ModelProto{ir_version 1,
 * graph 7, opset_import 8}, GraphProto{node 1, name 2, initializer 5, input 11, output 12},
 * NodeProto{input 1, output 2, name 3, op_type 4}, ValueInfoProto{name 1, type 2},
 * TypeProto{tensor_type 1}, TypeProto.Tensor{elem_type 1, shape 2}, TensorShapeProto{dim 1},
 * Dimension{dim_value 1, dim_param 2}, TensorProto{dims 1, data_type 2, name 8, raw_data 9},
 * OperatorSetIdProto{domain 1, version 2}, AttributeProto{name 1, type 20, ints 8}.
 * @module
 */

const WIRE_VARINT = 0;
const WIRE_BYTES = 2;
/** TensorProto.DataType */
const UINT8 = 2;
const INT8 = 3;
const INT32 = 6;
/** AttributeProto.AttributeType.INTS */
const ATTR_INTS = 7;
const IR_VERSION = 8;
const OPSET = 13;

function varint(value: number): number[] {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}

const enc = new TextEncoder();
const key = (field: number, wire: number): number[] => varint(field * 8 + wire);
const num = (field: number, value: number): number[] => [...key(field, WIRE_VARINT), ...varint(value)];
const bytes = (field: number, b: ArrayLike<number>): number[] => [
  ...key(field, WIRE_BYTES),
  ...varint(b.length),
  ...Array.from(b),
];
const str = (field: number, s: string): number[] => bytes(field, enc.encode(s));

/** A dimension: a fixed size or a symbolic name (dynamic). */
type Dim = number | string;

function valueInfo(name: string, elemType: number, dims: readonly Dim[]): number[] {
  const shape = dims.flatMap((d) => bytes(1, typeof d === "number" ? num(1, d) : str(2, d)));
  const tensorType = [...num(1, elemType), ...bytes(2, shape)];
  return [...str(1, name), ...bytes(2, bytes(1, tensorType))];
}

/** The matmul graph for size n (rows of A dynamic, so one session serves every row band). */
export function matmulIntegerModel(n: number): Uint8Array {
  const transpose = [
    ...str(1, "BT"),
    ...str(2, "B"),
    ...str(3, "transpose"),
    ...str(4, "Transpose"),
    ...bytes(5, [...str(1, "perm"), ...num(8, 1), ...num(8, 0), ...num(20, ATTR_INTS)]),
  ];
  const matmul = [
    ...str(1, "A"),
    ...str(1, "B"),
    ...str(1, "a_zero"),
    ...str(2, "Y"),
    ...str(3, "matmul"),
    ...str(4, "MatMulInteger"),
  ];
  // a_zero_point: a uint8 scalar 128, as an initializer (a constant of the model).
  const aZero = [...num(2, UINT8), ...str(8, "a_zero"), ...bytes(9, [128])];
  const graph = [
    ...bytes(1, transpose),
    ...bytes(1, matmul),
    ...str(2, `flops_matmul_${n}`),
    ...bytes(5, aZero),
    ...bytes(11, valueInfo("A", UINT8, ["rows", n])),
    ...bytes(11, valueInfo("BT", INT8, [n, n])),
    ...bytes(12, valueInfo("Y", INT32, ["rows", n])),
  ];
  const model = [
    ...num(1, IR_VERSION),
    ...str(2, "flops"),
    ...bytes(7, graph),
    ...bytes(8, [...str(1, ""), ...num(2, OPSET)]),
  ];
  return Uint8Array.from(model);
}
