"""Export a (merged) Hugging Face llama model back to GGUF, and quantize it with llama.cpp.

The base GGUF is the template: its metadata (architecture, hyper-parameters, tokenizer and chat
template) is copied as it is, and each of its tensors is replaced by the tuned weight of the same
name. transformers un-permutes the q/k projections when it reads a llama GGUF, so they are
permuted back here exactly as llama.cpp's converter does.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import numpy as np

from ..errors import ModelError

HF_NAMES = {
    "token_embd.weight": "model.embed_tokens.weight",
    "output_norm.weight": "model.norm.weight",
    "output.weight": "lm_head.weight",
    "attn_norm.weight": "input_layernorm.weight",
    "attn_q.weight": "self_attn.q_proj.weight",
    "attn_k.weight": "self_attn.k_proj.weight",
    "attn_v.weight": "self_attn.v_proj.weight",
    "attn_output.weight": "self_attn.o_proj.weight",
    "ffn_norm.weight": "post_attention_layernorm.weight",
    "ffn_gate.weight": "mlp.gate_proj.weight",
    "ffn_up.weight": "mlp.up_proj.weight",
    "ffn_down.weight": "mlp.down_proj.weight",
}
QUANT_TYPES = {"Q8_0": 7, "Q4_K_M": 15, "F16": 1}


def hf_name(gguf_name: str) -> str:
    m = re.match(r"blk\.(\d+)\.(.+)$", gguf_name)
    if m:
        return f"model.layers.{m.group(1)}.{HF_NAMES[m.group(2)]}"
    return HF_NAMES[gguf_name]


def permute(w: np.ndarray, n_head: int) -> np.ndarray:
    """llama.cpp's q/k layout (rotary halves interleaved) from the Hugging Face one."""
    return w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def write_gguf(state: dict, base_gguf: Path, out: Path, n_head: int, n_head_kv: int, name: str = "GitaGPT") -> Path:
    """Write ``state`` (HF tensor name -> numpy array) as a GGUF shaped like ``base_gguf`` (F16 matrices)."""
    import gguf

    reader = gguf.GGUFReader(str(base_gguf))
    arch = reader.fields[gguf.Keys.General.ARCHITECTURE].contents()
    tmp = out.with_name(out.name + ".part")
    writer = gguf.GGUFWriter(str(tmp), arch=arch)
    for field in reader.fields.values():
        if field.name == gguf.Keys.General.ARCHITECTURE or field.name.startswith("GGUF.") or \
                field.name in (gguf.Keys.General.FILE_TYPE, gguf.Keys.General.NAME):
            continue
        vtype = field.types[0]
        sub = field.types[-1] if vtype == gguf.GGUFValueType.ARRAY else None
        writer.add_key_value(field.name, field.contents(), vtype, sub_type=sub)
    writer.add_name(name)
    writer.add_file_type(gguf.LlamaFileType.MOSTLY_F16)
    for tensor in reader.tensors:
        key = hf_name(tensor.name)
        if key not in state:
            raise ModelError(f"The tuned model has no tensor {key} for {tensor.name}; it does not match the base GGUF.")
        w = np.asarray(state[key], dtype=np.float32)
        if tensor.name.endswith("attn_q.weight"):
            w = permute(w, n_head)
        elif tensor.name.endswith("attn_k.weight"):
            w = permute(w, n_head_kv)
        writer.add_tensor(tensor.name, w.astype(np.float32 if w.ndim == 1 else np.float16))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    tmp.replace(out)
    return out


def quantize(src: Path, out: Path, kind: str = "Q8_0") -> Path:
    """llama.cpp's own quantizer, through llama-cpp-python."""
    import llama_cpp

    if kind not in QUANT_TYPES:
        raise ModelError(f"Unknown quantization {kind!r}; choose one of {', '.join(QUANT_TYPES)}.")
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = QUANT_TYPES[kind]
    tmp = out.with_name(out.name + ".part")
    rc = llama_cpp.llama_model_quantize(str(src).encode(), str(tmp).encode(), params)
    if rc != 0 or not tmp.exists():
        raise ModelError(f"llama.cpp could not quantize {src} to {kind} (code {rc}).")
    tmp.replace(out)
    return out


def export_model(model, base_gguf: Path, out_dir: Path, kinds=("Q8_0", "Q4_K_M")) -> dict:
    """Merge-free export of a (merged) HF model: F16 GGUF plus quantized files; returns paths and seconds."""
    start = time.perf_counter()
    cfg = model.config
    state = {k: v.detach().float().cpu().numpy() for k, v in model.state_dict().items()}
    if "lm_head.weight" not in state:  # tied embeddings
        state["lm_head.weight"] = state["model.embed_tokens.weight"]
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    f16 = write_gguf(state, base_gguf, out_dir / "gitagpt-f16.gguf", cfg.num_attention_heads,
                     cfg.num_key_value_heads or cfg.num_attention_heads)
    files = {"F16": str(f16)}
    for kind in kinds:
        files[kind] = str(quantize(f16, out_dir / f"gitagpt-{kind.lower()}.gguf", kind))
    return {"files": files, "seconds": round(time.perf_counter() - start, 1)}
