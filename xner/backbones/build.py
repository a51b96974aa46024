"""`python -m xner.backbones.build NAME [--force]`: build an offline backbone and
print how long building and loading it from the cache take."""

from __future__ import annotations

import argparse
import time

from xner.backbones.api import build_backbone, load_encoder, load_tokenizer
from xner.backbones.registry import BACKBONES


def main(argv: list[str] | None = None) -> None:
    offline = [name for name, spec in BACKBONES.items() if spec.builder is not None]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name", nargs="?", default="multilingual-e5-small", choices=offline)
    parser.add_argument("--force", action="store_true", help="rebuild even if cached")
    args = parser.parse_args(argv)
    result = build_backbone(args.name, force=args.force)
    state = "built" if result.built else "cached (--force rebuilds)"
    print(f"{result.name}: {state}, build {result.seconds:.1f} s, at {result.path}")
    start = time.perf_counter()
    load_tokenizer(args.name)
    load_encoder(args.name)
    print(f"load from cache (AutoTokenizer + AutoModel): {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
