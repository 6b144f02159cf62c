"""A local LLM that answers in JSON matching a schema, every time (xgrammar-constrained decoding).

The grammar compiled from the schema masks every token that would break it, so the answer
always parses; the schema's bounded strings and lists make it end. A token budget and a time
limit bound a model that still rambles: then the answer is cut, the job fails with
``planner_failed``, and Blender falls back to the rule-based director.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from ...core.models import ModelError, ModelSpec
from ..devices import Placement
from . import JobCancelled, JobContext
from .loading import weights_source


def load(spec: ModelSpec, placement: Placement, models_folder: Path, allow_online: bool):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    source, options = weights_source(spec, models_folder, allow_online)
    options["trust_remote_code"] = False  # a model's own code never runs here
    model = AutoModelForCausalLM.from_pretrained(
        source, use_safetensors=True, dtype=placement.torch_dtype(), **options
    )
    tokenizer = AutoTokenizer.from_pretrained(source, **options)
    return model.eval().to(placement.device), tokenizer


def constrained_json(
    loaded,
    messages: list[dict],
    schema: dict,
    seed: int,
    max_new_tokens: int,
    time_limit_s: float,
    ctx: JobContext,
) -> tuple[str, dict]:
    """(answer text, stats) for a chat whose answer is held to ``schema``."""
    import torch
    import xgrammar
    from transformers import MaxTimeCriteria, StoppingCriteria, StoppingCriteriaList

    model, tokenizer = loaded
    info = xgrammar.TokenizerInfo.from_huggingface(tokenizer, vocab_size=model.config.vocab_size)
    grammar = xgrammar.GrammarCompiler(info).compile_json_schema(json.dumps(schema), any_whitespace=False)
    processor = xgrammar.contrib.hf.LogitsProcessor(grammar)

    class Cancelled(StoppingCriteria):
        def __call__(self, input_ids, scores, **kwargs) -> bool:
            ctx.progress(int(input_ids.shape[-1] - prompt_length), max_new_tokens)
            return ctx.cancelled.is_set()

    encoded = tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt")
    input_ids = (encoded["input_ids"] if hasattr(encoded, "keys") else encoded).to(model.device)
    prompt_length = input_ids.shape[-1]
    torch.manual_seed(seed)
    started = time.perf_counter()
    with torch.no_grad():
        output = model.generate(
            input_ids,
            attention_mask=torch.ones_like(input_ids),
            logits_processor=[processor],
            stopping_criteria=StoppingCriteriaList([MaxTimeCriteria(time_limit_s), Cancelled()]),
            max_new_tokens=max_new_tokens,
            do_sample=True,
            temperature=0.8,
        )
    if ctx.cancelled.is_set():
        raise JobCancelled
    new_tokens = output[0, prompt_length:]
    text = tokenizer.decode(new_tokens, skip_special_tokens=True)
    seconds = time.perf_counter() - started
    stats = {"tokens": int(new_tokens.shape[-1]), "generation_seconds": round(seconds, 3)}
    try:
        json.loads(text)
    except json.JSONDecodeError:
        limit = "time" if seconds >= time_limit_s else "token"
        raise ModelError(
            f"The planner did not finish its JSON within the {limit} limit "
            f"({stats['tokens']} tokens, {seconds:.1f} s): falling back to the rule-based director.",
            kind="planner_failed",
        ) from None
    return text, stats
