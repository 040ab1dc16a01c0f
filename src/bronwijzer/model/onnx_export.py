"""The ONNX export of a converted model folder: ``onnx/model.onnx`` (+ ``model.onnx_data``).

The folder's BertModel goes through torch's classic (TorchScript) exporter, opset 17,
with dynamic batch and sequence axes; the graph takes ``input_ids`` and
``attention_mask`` and returns ``last_hidden_state``. Pooling and normalisation stay
outside the graph, as in sentence-transformers. The weights go to one external file
beside the graph, which onnxruntime memory-maps: a session opens in well under a
second and only the embedding rows a text uses become resident.

Build-time only: torch, transformers and onnx are imported inside the function.
Two exports of the same folder are byte-identical.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from pathlib import Path

ONNX_DIR = "onnx"
ONNX_FILE = "onnx/model.onnx"
ONNX_DATA = "model.onnx_data"
OPSET = 17


def export_onnx(folder: Path) -> Path:
    """Write ``onnx/model.onnx`` and its weights file into a converted model folder.

    Args:
        folder: a sentence-transformers folder whose transformer is a ``BertModel``
            (``config.json`` and ``model.safetensors`` at its top).

    Returns:
        The path of ``model.onnx``.
    """
    import onnx
    import torch
    from transformers import BertModel
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    folder = Path(folder)
    bert = BertModel.from_pretrained(str(folder), local_files_only=True,
                                     attn_implementation="eager").eval()

    class _Wrapper(torch.nn.Module):
        """Keyword arguments: BertModel's positional order differs between versions."""

        def __init__(self, model) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask):
            return self.model(input_ids=input_ids,
                              attention_mask=attention_mask).last_hidden_state

    ids = torch.tensor([[0, 10, 20, 30, 2]], dtype=torch.long)
    axes = {0: "batch", 1: "sequence"}
    out_dir = folder / ONNX_DIR
    out_dir.mkdir(parents=True, exist_ok=True)
    with (tempfile.TemporaryDirectory(dir=folder) as tmp, warnings.catch_warnings(),
          torch.no_grad()):
        warnings.simplefilter("ignore")
        raw = os.path.join(tmp, "raw.onnx")
        torch.onnx.export(_Wrapper(bert), (ids, torch.ones_like(ids)), raw, dynamo=False,
                          opset_version=OPSET, input_names=["input_ids", "attention_mask"],
                          output_names=["last_hidden_state"],
                          dynamic_axes={"input_ids": axes, "attention_mask": axes,
                                        "last_hidden_state": axes})
        graph = onnx.load(raw)
    target = folder / ONNX_FILE
    (out_dir / ONNX_DATA).unlink(missing_ok=True)  # onnx appends to an existing data file
    onnx.save_model(graph, str(target), save_as_external_data=True,
                    all_tensors_to_one_file=True, location=ONNX_DATA, size_threshold=1024)
    return target
