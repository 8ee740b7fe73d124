import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * Writes a tiny but real ONNX model (one Identity node, 1x3x8x8 float) with python3-onnx, so tests
 * can exercise onnxruntime-node's loader without depending on the detector's bundled model.
 */
export function writeTinyModel(path: string): void {
  const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
  const script = [
    'import sys, onnx',
    'from onnx import helper, TensorProto',
    'x = helper.make_tensor_value_info("images", TensorProto.FLOAT, [1, 3, 8, 8])',
    'y = helper.make_tensor_value_info("output0", TensorProto.FLOAT, [1, 3, 8, 8])',
    'g = helper.make_graph([helper.make_node("Identity", ["images"], ["output0"])], "tiny", [x], [y])',
    'm = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])',
    'm.ir_version = 8',
    'onnx.save(m, sys.argv[1])',
  ].join('\n');
  execFileSync(python, ['-c', script, path], { timeout: 30_000 });
}
