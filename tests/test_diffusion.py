"""The optional Stable Diffusion picture backend: its code runs on a tiny pipeline built from
configs with random weights (nothing is downloaded); without weights it says so and the
storybook illustrator draws instead."""

import pytest
from PIL import Image

from engine.media.diffusion import NEGATIVE, DiffusionIllustrator, DiffusionUnavailable, build_prompt
from engine.media.pictures import PictureRequest
from engine.media.render import RenderOptions, render_storyboard
from engine.storyboard import Card, PictureSpec, Storyboard


def tiny_pipeline(tmp_path):
    """A StableDiffusionPipeline with a few thousand random weights and a byte-level CLIP tokenizer."""
    import torch
    from diffusers import AutoencoderKL, DDIMScheduler, StableDiffusionPipeline, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

    torch.manual_seed(0)
    # the byte-to-character table of byte-level BPE: printable bytes stand for themselves, the rest shift past 255
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    chars = [chr(b) for b in printable] + [chr(256 + i) for i in range(256 - len(printable))]
    vocab = {c: i for i, c in enumerate(chars)} | {c + "</w>": len(chars) + i for i, c in enumerate(chars)}
    vocab |= {"<|startoftext|>": len(vocab), "<|endoftext|>": len(vocab) + 1}
    tokenizer = CLIPTokenizer(vocab=vocab, merges=[], model_max_length=77)
    text = CLIPTextModel(CLIPTextConfig(vocab_size=len(vocab), hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                                        num_attention_heads=2, max_position_embeddings=77,
                                        bos_token_id=vocab["<|startoftext|>"], eos_token_id=vocab["<|endoftext|>"]))
    unet = UNet2DConditionModel(sample_size=8, in_channels=4, out_channels=4, layers_per_block=1,
                                block_out_channels=(8, 16), down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"),
                                up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"), cross_attention_dim=16,
                                attention_head_dim=2, norm_num_groups=4)
    vae = AutoencoderKL(in_channels=3, out_channels=3, latent_channels=4, block_out_channels=(8,),
                        down_block_types=("DownEncoderBlock2D",), up_block_types=("UpDecoderBlock2D",), norm_num_groups=4)
    pipe = StableDiffusionPipeline(vae=vae, text_encoder=text, tokenizer=tokenizer, unet=unet, scheduler=DDIMScheduler(),
                                   safety_checker=None, feature_extractor=None, requires_safety_checker=False)
    pipe.set_progress_bar_config(disable=True)
    return pipe


def test_prompt_is_kid_safe_and_consistent():
    req = PictureRequest(characters=["Krishna", "Asha"], setting="the park", mood="happy", description="flying a kite")
    prompt = build_prompt(req)
    assert prompt.startswith("kid-friendly") and "blue skin" in prompt and "Asha" in prompt and "the park" in prompt
    assert "violence" in NEGATIVE and "weapon" in NEGATIVE


def test_tiny_pipeline_draws_a_picture_of_the_asked_size(tmp_path):
    painter = DiffusionIllustrator("tiny", pipeline=tiny_pipeline(tmp_path), steps=2)
    req = PictureRequest(characters=["Asha"], setting="the park", mood="happy", width=320, height=180)
    result = painter.render(req, tmp_path / "cache")
    assert result.backend.startswith("Stable Diffusion")
    assert Image.open(result.path).size == (320, 180)
    assert painter.render(req, tmp_path / "cache").path == result.path  # cached by prompt, size and seed


def test_without_weights_it_says_so(tmp_path):
    with pytest.raises(DiffusionUnavailable, match="offline"):
        DiffusionIllustrator(None, offline=True).check()
    with pytest.raises(DiffusionUnavailable, match="No diffusion weights"):
        DiffusionIllustrator(str(tmp_path / "missing"), offline=False).check()
    with pytest.raises(DiffusionUnavailable, match="cannot be reached"):
        DiffusionIllustrator(None, offline=False, reachable=lambda host: False).check()  # the network call replaced


def test_render_falls_back_to_the_illustrator_with_a_warning(studio, tmp_path):
    board = Storyboard(title="T", cards=[Card(narration="", picture=PictureSpec(setting="the park", characters=["Asha"]))])
    res = render_storyboard(board, RenderOptions(out=tmp_path / "v.mp4", stop_after="pictures", pictures="diffusion"),
                            studio.settings.assets_dir, tmp_path / "cache")
    assert res.pictures and res.pictures[0].exists() and "illustrator draws instead" in res.warnings[0]
