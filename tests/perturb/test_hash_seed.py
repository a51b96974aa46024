"""A perturbation depends on the data, the seed and the sentence id, never on the process:
every kind, run in fresh interpreters with different PYTHONHASHSEED, gives the same bytes."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import hashlib, json
    import numpy as np
    from xner.data.records import Sentence
    from xner.perturb import PerturbResources, kinds, perturb

    def sent(i, text, tags, lang, split):
        return Sentence(f"toy/{lang}/{split}/{i}", tuple(text.split()), tuple(tags.split()),
                        lang, "toy", split)

    class Letters:  # a word vector from letter counts: no hashing, no process state
        key = ""
        def embed(self, words):
            out = np.zeros((len(words), 64), dtype=np.float32)
            for row, word in enumerate(words):
                for ch in word:
                    out[row, ord(ch) % 64] += 1.0
            return out

    hrl = [sent(0, "Marta Ruiz vive en Lugo con Tecnova .", "B-PER I-PER O O B-LOC O B-ORG O",
                "es", "train"),
           sent(1, "Lugo tiene un puerto pequeño", "B-LOC O O O O", "es", "train")]
    test = [sent(0, "Marta Ruiz visitou Lugo com amigos", "B-PER I-PER O B-LOC O O", "nl", "test"),
            sent(1, "Tecnova tem um puerto novo em Evora", "B-ORG O O O O O B-LOC", "nl", "test"),
            sent(2, "Joana Dias mora em Faro", "B-PER I-PER O O B-LOC", "nl", "test")]
    digest = {}
    for spec in kinds():
        res = PerturbResources(hrl_train=hrl, lrl_train=hrl, own_train=hrl, embedder=Letters(),
                        lang="nl")
        out = perturb(test, spec.name, seed=3, resources=res)
        text = json.dumps([[p.sentence.tokens, p.sentence.tags] for p in out],
                          ensure_ascii=False)
        digest[spec.name] = hashlib.md5(text.encode()).hexdigest()
    from xner.perturb.names import SCRIPT_LOCALES, name_pools
    every = sorted({locale for found in SCRIPT_LOCALES.values() for locale in found})
    pools = name_pools(every, ["PER", "LOC", "ORG"], "nl", 3, 400)
    digest["name-pools"] = hashlib.md5(json.dumps(pools, ensure_ascii=False).encode()).hexdigest()
    print(json.dumps(digest, sort_keys=True))
    """
)


def _run(hash_seed: str, tmp_path) -> str:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed, "XNER_CACHE_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def test_every_kind_is_independent_of_the_hash_seed(tmp_path):
    first = _run("1", tmp_path)
    assert '"names"' in first and '"p1+p2"' in first and '"name-pools"' in first
    assert _run("2", tmp_path) == first
    assert _run("12345", tmp_path) == first
