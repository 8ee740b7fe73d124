"""The Python peer of `lookout detect` for `npm run bench:memory` (scripts/bench/memory.ts).

The same job written the way a Python user would: one ffmpeg child decodes the clip and samples it
(-vf fps=N), raw RGB frames are read from its stdout into numpy, letterboxed to the model's input
in numpy, converted to NCHW float32 and run through onnxruntime with the same thread count, and
the output is decoded with a plain argmax and score threshold. It prints one JSON summary line
(frames, detections, its own peak RSS from /proc/self/status) so the bench can check that it did
the same amount of work; its memory is measured from outside by /usr/bin/time -v.

usage: memory-peer.py CLIP MODEL --fps N --threads T --width W --height H
"""

import argparse
import json
import subprocess
import sys

import numpy as np
import onnxruntime as ort


def letterbox(frame, size):
    """Nearest-neighbour resize keeping the aspect ratio, padded with 114 (the YOLO convention)."""
    h, w, _ = frame.shape
    scale = min(size / w, size / h)
    nw, nh = int(round(w * scale)), int(round(h * scale))
    ys = np.minimum((np.arange(nh) / scale).astype(np.int32), h - 1)
    xs = np.minimum((np.arange(nw) / scale).astype(np.int32), w - 1)
    out = np.full((size, size, 3), 114, dtype=np.uint8)
    top, left = (size - nh) // 2, (size - nw) // 2
    out[top:top + nh, left:left + nw] = frame[ys][:, xs]
    return out


def decode(output, min_score):
    """YOLOv8 output [1, 4 + classes, anchors]: best class per anchor, kept above min_score."""
    pred = output[0]
    scores = pred[4:].max(axis=0)
    keep = scores >= min_score
    return int(keep.sum())


def peak_rss_mb():
    with open('/proc/self/status', encoding='ascii') as status:
        for line in status:
            if line.startswith('VmHWM:'):
                return int(line.split()[1]) / 1024
    return -1.0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('clip')
    parser.add_argument('model')
    parser.add_argument('--fps', type=float, required=True)
    parser.add_argument('--threads', type=int, required=True)
    parser.add_argument('--width', type=int, required=True)
    parser.add_argument('--height', type=int, required=True)
    parser.add_argument('--score', type=float, default=0.5)
    args = parser.parse_args()

    options = ort.SessionOptions()
    options.intra_op_num_threads = args.threads
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(args.model, options, providers=['CPUExecutionProvider'])
    input_name = session.get_inputs()[0].name
    size = session.get_inputs()[0].shape[2]
    size = size if isinstance(size, int) else 640

    command = ['ffmpeg', '-hide_banner', '-loglevel', 'error', '-nostdin', '-i', args.clip,
               '-vf', f'fps={args.fps}', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1']
    frame_bytes = args.width * args.height * 3
    frames = 0
    found = 0
    with subprocess.Popen(command, stdout=subprocess.PIPE) as ffmpeg:
        while True:
            raw = ffmpeg.stdout.read(frame_bytes)
            if len(raw) < frame_bytes:
                break
            frame = np.frombuffer(raw, dtype=np.uint8).reshape(args.height, args.width, 3)
            image = letterbox(frame, size)
            tensor = (image.transpose(2, 0, 1)[np.newaxis].astype(np.float32)) / 255.0
            output = session.run(None, {input_name: tensor})[0]
            found += decode(output, args.score)
            frames += 1
        code = ffmpeg.wait(timeout=30)
    if code != 0:
        print(f'memory-peer: ffmpeg exited with code {code}', file=sys.stderr)
        return 1
    print(json.dumps({'frames': frames, 'detections': found, 'peak_rss_mb': round(peak_rss_mb(), 1),
                      'onnxruntime': ort.__version__, 'numpy': np.__version__,
                      'python': sys.version.split()[0]}))
    return 0


if __name__ == '__main__':
    sys.exit(main())
