"""A tiny random-weight chat LLM (Qwen2 architecture), saved like a real one.

    python tests/tools/tiny_llm.py OUT_DIR

Its tokenizer is a byte-level BPE with no merges (every byte a token) and a ChatML template,
so it encodes any text and xgrammar can constrain it to any JSON Schema.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from tiny_models import byte_level_characters

CHAT_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def save_tiny_llm(folder: Path) -> None:
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM

    vocab = {character: index for index, character in enumerate(byte_level_characters())}
    for special in ("<|endoftext|>", "<|im_start|>", "<|im_end|>"):
        vocab[special] = len(vocab)
    bpe = Tokenizer(models.BPE(vocab=vocab, merges=[]))
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    bpe.decoder = decoders.ByteLevel()
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=bpe, eos_token="<|im_end|>", pad_token="<|endoftext|>"
    )
    tokenizer.add_special_tokens({"additional_special_tokens": ["<|im_start|>", "<|im_end|>"]})
    tokenizer.chat_template = CHAT_TEMPLATE
    config = Qwen2Config(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=8192,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        tie_word_embeddings=True,
    )
    torch.manual_seed(0)
    Qwen2ForCausalLM(config).save_pretrained(str(folder))
    tokenizer.save_pretrained(str(folder))


if __name__ == "__main__":
    save_tiny_llm(Path(sys.argv[1]))
    print(sys.argv[1])


def save_memorising_llm(folder: Path, answer: str, prompts: list[list[dict]], steps: int = 150) -> None:
    """A tiny chat LLM trained (seconds, on the CPU) to give ``answer`` to any of ``prompts``.

    A random-weight model cannot write JSON unconstrained; this one has learned one valid draft,
    so a server that does not constrain decoding still returns a real, parseable answer.
    """
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    save_tiny_llm(folder)
    tokenizer = AutoTokenizer.from_pretrained(str(folder))
    model = AutoModelForCausalLM.from_pretrained(str(folder))
    examples = []
    for chat in prompts:
        prompt = tokenizer.apply_chat_template(chat, add_generation_prompt=True, tokenize=False)
        ids = tokenizer(prompt + answer + "<|im_end|>", return_tensors="pt")["input_ids"][0]
        start = len(tokenizer(prompt)["input_ids"])
        labels = ids.clone()
        labels[:start] = -100  # learn the answer, not the prompt
        examples.append((ids, labels))
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2)
    model.train()
    torch.manual_seed(0)
    for step in range(steps):
        ids, labels = examples[step % len(examples)]
        loss = model(input_ids=ids.unsqueeze(0), labels=labels.unsqueeze(0)).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    model.eval()
    model.generation_config.do_sample = False
    model.save_pretrained(str(folder))
