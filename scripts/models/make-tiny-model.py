#!/usr/bin/python3
"""Writes test/fixtures/models/tiny-identity.onnx: the smallest real ONNX model the tests load.

One Identity node, input `images` and output `output0`, both float [1, 3, 8, 8]; IR version 8,
opset 13. It lets a test exercise onnxruntime-node's loader (e.g. `lookout doctor`) without the
detector's bundled models. The protobuf is written by hand (a few hundred bytes), so making it
needs only python3, not the onnx package. The tests read the committed file and never run this.

  python3 scripts/models/make-tiny-model.py [OUT.onnx]
"""
import sys

FLOAT = 1  # onnx.TensorProto.FLOAT


def varint(value):
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def key(field, wire):
    return varint((field << 3) | wire)


def number(field, value):
    return key(field, 0) + varint(value)


def message(field, payload):
    if isinstance(payload, str):
        payload = payload.encode("utf-8")
    return key(field, 2) + varint(len(payload)) + payload


def tensor_value_info(name, dims):
    # ValueInfoProto{name=1, type=2}; TypeProto{tensor_type=1}; Tensor{elem_type=1, shape=2};
    # TensorShapeProto{dim=1}; Dimension{dim_value=1}.
    shape = b"".join(message(1, number(1, d)) for d in dims)
    tensor = number(1, FLOAT) + message(2, shape)
    return message(1, name) + message(2, message(1, tensor))


def model():
    # NodeProto{input=1, output=2, op_type=4}
    node = message(1, "images") + message(2, "output0") + message(4, "Identity")
    # GraphProto{node=1, name=2, input=11, output=12}
    graph = (
        message(1, node)
        + message(2, "tiny")
        + message(11, tensor_value_info("images", [1, 3, 8, 8]))
        + message(12, tensor_value_info("output0", [1, 3, 8, 8]))
    )
    # ModelProto{ir_version=1, graph=7, opset_import=8}; OperatorSetIdProto{domain=1, version=2}
    return number(1, 8) + message(7, graph) + message(8, message(1, "") + number(2, 13))


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else "test/fixtures/models/tiny-identity.onnx"
    data = model()
    with open(out, "wb") as f:
        f.write(data)
    print(f"wrote {out} ({len(data)} bytes)")
